/**
 * The training executor: a graph compiled by the bundle's own backend (the pass pipeline, then
 * `codegen/wasm`), instantiated here, plus the state it carries between runs. A run copies the
 * inputs to their planned addresses, calls the module's `run(rows)` and returns views of the
 * outputs; the weights and optimizer slots a training step updates stay in the module's memory
 * (the memory plan updates them in place), so a step moves only a batch in and a few scalars out.
 *
 * Compiled modules are cached on disk (`modules/` in nnc's cache), keyed by the graph's text, its
 * weight bytes, the options and the compiler's own code, so a training run that was compiled before
 * never loads binaryen (seconds to load; far more under a TypeScript loader that transforms it).
 * `prepare` compiles ahead for a batch size, loading binaryen on a cache miss; `run` compiles
 * synchronously only from the cache or once binaryen is loaded.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { writeFileAtomic } from '../atomic-write.js';
import { nncCacheRoot } from '../cache-dir.js';
import type { WasmMemoryInfo, WasmModuleOptions } from '../codegen/wasm/module.js';
import { NncError } from '../errors.js';
import type { Graph, Node } from '../ir/graph.js';
import type { TensorMap } from '../ir/interpreter.js';
import { dataOf, type Tensor } from '../ir/tensor.js';
import { concreteShape, type DType } from '../ir/types.js';
import { printGraph } from '../ir/printer.js';
import { optimize } from '../passes/index.js';
import { COMPILER_VERSION } from '../version.js';
import { atRows, type AffineBytes } from '../passes/memory-plan-types.js';
import type { ExecutorFactory } from './executor.js';
import { relaxedSimdAvailable } from './relaxed-simd.js';

/** What an executor needs of a compiled module. */
interface Built {
  readonly binary: Uint8Array<ArrayBuffer>;
  readonly memory: WasmMemoryInfo;
}

type Compile = (graph: Graph, options: WasmModuleOptions) => Built;
let compile: Compile | undefined;

/** Loads the wasm backend (binaryen), so that executors can compile synchronously from now on. */
export async function loadWasmBackend(): Promise<void> {
  compile ??= (await import('../codegen/wasm/module.js')).compileWasm;
}

let fingerprint: string | undefined;

/**
 * A hash of the code that turns a graph into a module (the IR, the passes, the backends), so a
 * cached module is never reused by a compiler whose kernels changed, released or not.
 */
function compilerFingerprint(): string {
  if (fingerprint) return fingerprint;
  const hash = createHash('sha256').update(COMPILER_VERSION);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(js|ts)$/.test(entry.name)) hash.update(entry.name).update(readFileSync(path));
    }
  };
  // This file lives in src/train/ (or lib/train/): its siblings are the compiler's folders.
  const root = fileURLToPath(new URL('..', import.meta.url));
  for (const dir of ['ir', 'passes', 'codegen']) walk(join(root, dir));
  return (fingerprint = hash.digest('hex'));
}

/** The cache file stem of a graph compiled with `options`. */
function cacheKey(graph: Graph, options: WasmModuleOptions): string {
  const hash = createHash('sha256').update(`${compilerFingerprint()}\n${JSON.stringify(options)}\n${printGraph(graph)}`);
  for (const [name, data] of [...graph.weights].sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(name).update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return join(nncCacheRoot(), 'modules', hash.digest('hex').slice(0, 32));
}

function cached(key: string): Built | undefined {
  if (!existsSync(`${key}.wasm`) || !existsSync(`${key}.json`)) return undefined;
  try {
    const binary = new Uint8Array(readFileSync(`${key}.wasm`));
    const memory = JSON.parse(readFileSync(`${key}.json`, 'utf8')) as WasmMemoryInfo;
    return WebAssembly.validate(binary) ? { binary, memory } : undefined;
  } catch {
    return undefined; // a damaged entry is rebuilt
  }
}

/** The module of `graph`: from the cache, else built (binaryen must be loaded) and cached. */
function build(graph: Graph, options: WasmModuleOptions): Built {
  const key = cacheKey(graph, options);
  const hit = cached(key);
  if (hit) return hit;
  if (!compile) throw new Error('internal error: the wasm backend is not loaded; await prepare() or loadWasmBackend() first');
  const built = compile(graph, options);
  try {
    writeFileAtomic(`${key}.wasm`, built.binary);
    writeFileAtomic(`${key}.json`, JSON.stringify(built.memory));
  } catch {
    // An unwritable cache only costs a rebuild next time.
  }
  return { binary: built.binary, memory: built.memory };
}

/** Whether `build` would need binaryen. */
const needsBackend = (graph: Graph, options: WasmModuleOptions) => !compile && !cached(cacheKey(graph, options));

/** What an executor may ask of its modules beyond the defaults (`functionNames`, for a profile). */
export type ModuleExtras = Pick<WasmModuleOptions, 'functionNames'>;

/**
 * The executor's modules are compiled once per fit and never shipped: no binaryen optimizer (see
 * fastCompile), and fused multiply-adds wherever this Node runs relaxed SIMD.
 */
const moduleOptions = (rows: number, extras: ModuleExtras): WasmModuleOptions => ({
  simd: true,
  weights: 'embedded',
  rows,
  fastCompile: true,
  relaxedSimd: relaxedSimdAvailable(),
  ...extras,
});

const HEAPS = { f32: Float32Array, i32: Int32Array, bool: Uint8Array } as const;

/** One compiled module: the graph's values at their planned addresses for up to `capacity` rows. */
class Instance {
  readonly capacity: number;
  private readonly run: (rows: number) => void;
  private readonly memory: WebAssembly.Memory;
  private readonly base: number;
  private readonly inputOffsets: Readonly<Record<string, AffineBytes>>;
  private readonly outputOffsets: Readonly<Record<string, AffineBytes>>;
  private readonly outputNodes: ReadonlyMap<string, Node>;
  /** Views made so far, by offset and rows: a step reads the same ones every time (~20 views, ~70 µs a step when made anew). */
  private readonly views = new Map<AffineBytes, Map<number, Tensor>>();
  /** The buffer the cached views look at: a grown memory detaches it. */
  private viewedBuffer: ArrayBuffer | undefined;

  constructor(graph: Graph, capacity: number, extras: ModuleExtras) {
    const compiled = build(graph, moduleOptions(capacity, extras));
    this.capacity = compiled.memory.maxRows;
    this.base = compiled.memory.arenaBase;
    this.inputOffsets = compiled.memory.inputOffsets;
    this.outputOffsets = compiled.memory.outputOffsets;
    this.outputNodes = new Map(graph.outputs.map((o) => [o.name, o.node]));
    const exports = new WebAssembly.Instance(eagerlyCompiled(compiled.binary)).exports;
    this.run = exports.run as (rows: number) => void;
    this.memory = exports.memory as WebAssembly.Memory;
  }

  /** A typed view of a value for a call of `rows` rows (its values valid until the next run). */
  view(node: Node, offset: AffineBytes, rows: number): Tensor {
    if (this.viewedBuffer !== this.memory.buffer) {
      this.views.clear();
      this.viewedBuffer = this.memory.buffer;
    }
    let byRows = this.views.get(offset);
    if (!byRows) this.views.set(offset, (byRows = new Map()));
    let view = byRows.get(rows);
    if (!view) byRows.set(rows, (view = this.newView(node, offset, rows)));
    return view;
  }

  private newView(node: Node, offset: AffineBytes, rows: number): Tensor {
    const shape = concreteShape(node.type.shape, rows);
    const Heap = HEAPS[node.type.dtype];
    const start = this.base + atRows(offset, rows);
    return { shape, data: new Heap(this.memory.buffer, start, shape.reduce((a, d) => a * d, 1)) };
  }

  inputView(node: Node, rows: number): Tensor {
    return this.view(node, this.inputOffsets[node.name!]!, rows);
  }

  outputView(name: string, rows: number): Tensor {
    return this.view(this.outputNodes.get(name)!, this.outputOffsets[name]!, rows);
  }

  /** Whether an output and the input of the same name share bytes (updated in place). */
  inPlace(name: string): boolean {
    const [a, b] = [this.inputOffsets[name], this.outputOffsets[name]];
    return a !== undefined && b !== undefined && a.fixedBytes === b.fixedBytes && a.bytesPerRow === b.bytesPerRow;
  }

  call(rows: number): void {
    this.run(rows);
  }
}

/**
 * V8 compiles WebAssembly lazily (a function at its first call) with its baseline compiler
 * (Liftoff), whose SIMD code is an order of magnitude slower, and tiers hot functions up only
 * after many calls: a training run's first few hundred steps would crawl. Compile these modules
 * eagerly and optimized instead, then restore the defaults for other modules.
 */
function eagerlyCompiled(binary: Uint8Array<ArrayBuffer>): WebAssembly.Module {
  setFlagsFromString('--no-liftoff');
  setFlagsFromString('--no-wasm-lazy-compilation');
  try {
    return new WebAssembly.Module(binary);
  } finally {
    setFlagsFromString('--wasm-lazy-compilation');
    setFlagsFromString('--liftoff');
  }
}

/** The batch of a run: the first given input with a batch axis says it. */
function batchOf(graph: Graph, inputs: TensorMap): number | undefined {
  for (const n of graph.inputs) {
    const i = n.type.shape.indexOf(null);
    const t = inputs[n.name!];
    if (i >= 0 && t) return t.shape[i]!;
  }
  return undefined;
}

/** Copies `t` into `target`, converting to the target's dtype when the caller's array differs. */
function write(target: Tensor, t: Tensor, dtype: DType): void {
  target.data.set(t.data.constructor === target.data.constructor ? t.data : dataOf(dtype, t.data));
}

/**
 * Runs `graph` (optimized here by the same pass pipeline as a bundle) as one WebAssembly module.
 * The module is sized for the largest batch prepared or run so far; a larger batch recompiles it
 * and moves the carried state over.
 */
export const wasmExecutor: ExecutorFactory = (source, options = {}) => wasmExecutorWith({})(source, options);

/** The wasm executor, its modules compiled with `extras` (kernel names for a profiler, say). */
export const wasmExecutorWith = (extras: ModuleExtras): ExecutorFactory => (source, options = {}) => {
  const graph = optimize(source);
  const carry = options.carry ?? new Set<string>();
  // Optimizing keeps every input, so the source's are the names a run may give.
  const accepted = new Set(source.inputs.map((n) => n.name!));
  const carriedInputs = graph.inputs.filter((n) => carry.has(n.name!));
  let instance: Instance | undefined;
  let lastRows = 1;
  /** Whether the carried state is in `instance`'s memory, at its input addresses. */
  let carried = false;

  const capacityFor = (rows: number) => Math.max(rows, instance?.capacity ?? 0);
  const ensure = (rows: number): Instance => {
    if (instance && instance.capacity >= rows) return instance;
    const previous = instance;
    const next = new Instance(graph, capacityFor(rows), extras);
    // The state the old module carried moves to the new one's input addresses.
    if (previous && carried)
      for (const n of carriedInputs) next.inputView(n, lastRows).data.set(previous.inputView(n, lastRows).data);
    instance = next;
    return next;
  };

  return {
    async prepare(batch) {
      if (!(instance && instance.capacity >= batch) && needsBackend(graph, moduleOptions(capacityFor(batch), extras))) await loadWasmBackend();
      ensure(batch);
    },
    run(inputs) {
      const rows = batchOf(graph, inputs) ?? lastRows;
      const module = ensure(rows);
      for (const n of graph.inputs) {
        const given = inputs[n.name!];
        if (given) {
          const target = module.inputView(n, rows);
          if (given.data.length !== target.data.length)
            throw new NncError('NNC5002', `input '${n.name}' has ${given.data.length} values, expected ${target.data.length}`);
          write(target, given, n.type.dtype);
        } else if (!(carry.has(n.name!) && carried)) throw new NncError('NNC5002', `input '${n.name}' is missing`);
      }
      for (const name of Object.keys(inputs)) if (!accepted.has(name)) throw new NncError('NNC5002', `the graph has no input '${name}'`);
      module.call(rows);
      lastRows = rows;
      // A carried output not updated in place moves to its input's bytes now; copies first, since
      // an input's bytes may hold another output until the outputs are read.
      const moves = carriedInputs.filter((n) => !module.inPlace(n.name!)).map((n) => [n, module.outputView(n.name!, rows).data.slice()] as const);
      const out: TensorMap = {};
      for (const o of graph.outputs) out[o.name] = module.outputView(o.name, rows);
      for (const [input, data] of moves) {
        module.inputView(input, rows).data.set(data);
        out[input.name!] = { shape: out[input.name!]!.shape, data };
      }
      carried = true;
      return out;
    },
  };
};
