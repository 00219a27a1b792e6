import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { input, layers, model } from '../../src/frontend/index.js';
import { buildWasmBundle } from '../../test/wasm/bundle-helpers.js';
import { mutateBytes } from '../byte-mutators.js';
import type { FuzzTarget } from '../harness.js';
import type { Rng } from '../prng.js';
import { scratchDir } from './shared.js';

interface Bundle {
  load(options?: unknown): Promise<{ predict(x: unknown, batch?: unknown): unknown }>;
}

/**
 * What the JavaScript engine says when code trips over a value it did not check (the runtime's
 * bug, not the caller's): these messages from inside a bundle are crashes, whatever their type.
 */
const ENGINE_WORDING = /Cannot read properties|Cannot set properties|is not a function|is not iterable|is not a constructor|Invalid typed array length|Invalid array length|offset is out of bounds|outside the bounds of the buffer|Source is too large|Maximum call stack|Array buffer allocation failed/;

/**
 * A bundle's refusal is an Error (TypeError, RangeError or Error) in its own words: one that says
 * what was expected. A WebAssembly trap, a compile or link error escaping unwrapped, anything not an
 * Error, and the engine's own wording are crashes.
 */
export function bundleRefusal(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e instanceof WebAssembly.RuntimeError || e instanceof WebAssembly.CompileError || e instanceof WebAssembly.LinkError) return false;
  return !ENGINE_WORDING.test(e.message);
}

const ARRAYS: readonly ((rng: Rng, size: number) => unknown)[] = [
  (_rng, size) => new Float32Array(size),
  (rng, size) => new Float32Array(Math.max(0, size * rng.pick([0, 2, 3, 7]) + rng.pick([0, 1, -1]))),
  (_rng, size) => new Float64Array(size),
  (_rng, size) => new Int32Array(size),
  (_rng, size) => Array.from({ length: size }, () => 0),
  () => null,
  () => undefined,
  () => ({}),
  () => 'abc',
  () => new Float32Array(0),
  (_rng, size) => new Float32Array(size).fill(Number.NaN),
];
const BATCHES = [undefined, 1, 2, 0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e9, 2 ** 31, '2', null];

/** One small two-input wasm bundle: predict with wrong lengths, types and batches; load with corrupted module bytes. */
export const bundleTarget: FuzzTarget = {
  name: 'bundle',
  expectedError: bundleRefusal,
  async prepare() {
    const a = input({ shape: [3], name: 'a' });
    const b = input({ shape: [2, 2], name: 'b' });
    const joined = layers.concatenate().apply([layers.dense({ units: 4, activation: 'relu' }).apply(a), layers.flatten().apply(b)]);
    const built = await buildWasmBundle(model({ inputs: [a, b], outputs: layers.dense({ units: 2 }).apply(joined) }).toGraph());
    const intact = await ((await import(pathToFileURL(join(built.dir, 'model.js')).href)) as Bundle).load();
    const scratch = scratchDir('bundle');
    cpSync(built.dir, scratch.dir, { recursive: true });
    const modules = ['model.wasm', 'model.scalar.wasm'].map((f) => ({ file: f, bytes: readFileSync(join(built.dir, f)) }));
    let loads = 0;
    return (rng) => {
      if (rng.chance(0.15)) {
        const m = rng.pick(modules);
        const bytes = mutateBytes(rng, m.bytes);
        const simd = m.file === 'model.wasm';
        return {
          files: { [m.file]: bytes },
          async run() {
            writeFileSync(join(scratch.dir, m.file), bytes);
            // A fresh module instance per load (the query makes the URL new); a corrupt module is only loaded, never run (a flipped branch may loop).
            const bundle = (await import(`${pathToFileURL(join(scratch.dir, 'model.js')).href}?load=${loads++}`)) as Bundle;
            await bundle.load({ simd });
          },
        };
      }
      const batch = rng.pick(BATCHES);
      const rows = typeof batch === 'number' && Number.isInteger(batch) && batch > 0 && batch < 64 ? batch : 1;
      const arg = (size: number) => (rng.chance(0.7) ? new Float32Array(size * rows) : rng.pick(ARRAYS)(rng, size));
      const inputs: unknown = rng.chance(0.85) ? { a: arg(3), b: arg(4) } : rng.pick([arg(3), { a: arg(3) }, { a: arg(3), b: arg(4), c: arg(1) }, null, []]);
      const description = JSON.stringify({ inputs, batch }, (_k, v: unknown) => (ArrayBuffer.isView(v) ? `${v.constructor.name}(${(v as Float32Array).length})` : v));
      return {
        files: { 'input.json': description },
        run() {
          intact.predict(inputs, batch);
        },
      };
    };
  },
};
