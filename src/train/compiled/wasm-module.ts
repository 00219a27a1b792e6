/**
 * Compiles the WebAssembly text of a training step's kernels: from nnc's cache when the same
 * text was compiled before, else with binaryen (validate, optimize, emit), caching the result.
 * binaryen costs seconds to load, so it is imported only when a kernel text misses the cache:
 * `prepareKernels` (async) makes sure a text can be compiled, `compileKernels` (sync) compiles.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { nncCacheRoot } from '../../cache-dir.js';
import { writeFileAtomic } from '../../atomic-write.js';

type Binaryen = typeof import('binaryen').default;

let binaryen: Binaryen | undefined;
const modules = new Map<string, WebAssembly.Module>();

/** Loads binaryen, so that any kernel text can be compiled synchronously from now on. */
export async function loadTrainingKernels(): Promise<void> {
  binaryen ??= (await import('binaryen')).default;
}

const moduleText = (functions: readonly string[]) => `(module (import "env" "memory" (memory 1)) ${functions.join('\n')})`;
const cacheFile = (text: string) => join(nncCacheRoot(), 'kernels', `train-${createHash('sha256').update(text).digest('hex').slice(0, 24)}.wasm`);

function cachedBytes(text: string): Uint8Array | undefined {
  const file = cacheFile(text);
  if (!existsSync(file)) return undefined;
  const bytes = new Uint8Array(readFileSync(file));
  return WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>) ? bytes : undefined;
}

/** Makes `compileKernels(functions)` possible: loads binaryen unless the result is cached. */
export async function prepareKernels(functions: readonly string[]): Promise<void> {
  const text = moduleText(functions);
  if (!modules.has(text) && !existsSync(cacheFile(text))) await loadTrainingKernels();
}

/** A module from the text of its functions; it imports its memory as env.memory. */
export function compileKernels(functions: readonly string[]): WebAssembly.Module {
  const text = moduleText(functions);
  const known = modules.get(text);
  if (known) return known;
  let bytes = cachedBytes(text);
  if (!bytes) {
    bytes = buildWithBinaryen(text);
    try {
      writeFileAtomic(cacheFile(text), bytes);
    } catch {
      // An unwritable cache only costs a rebuild next time.
    }
  }
  // V8 compiles WebAssembly lazily (at a function's first call) with its baseline compiler
  // (Liftoff), whose SIMD code is an order of magnitude slower, and tiers hot functions up only
  // after many calls: a training run's first few hundred steps would crawl. Compile these
  // kernels eagerly and optimized instead, then restore the defaults for other modules.
  setFlagsFromString('--no-liftoff');
  setFlagsFromString('--no-wasm-lazy-compilation');
  let compiled: WebAssembly.Module;
  try {
    compiled = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } finally {
    setFlagsFromString('--wasm-lazy-compilation');
    setFlagsFromString('--liftoff');
  }
  modules.set(text, compiled);
  return compiled;
}

function buildWithBinaryen(text: string): Uint8Array {
  if (!binaryen) throw new Error('internal error: training kernels are not cached; await prepareKernels() or loadTrainingKernels() first');
  const mod = binaryen.parseText(text);
  try {
    mod.setFeatures(binaryen.Features.MVP | binaryen.Features.SIMD128);
    if (!mod.validate()) throw new Error('internal error: generated training kernels do not validate');
    binaryen.setOptimizeLevel(3);
    mod.optimize();
    return mod.emitBinary();
  } finally {
    mod.dispose();
  }
}
