/**
 * The training executor: a graph compiled by the bundle's own backend (the pass pipeline, then
 * `codegen/wasm`), instantiated here, plus the state it carries between runs. A run copies the
 * inputs to their planned addresses, calls the module's `run(rows)` and returns views of the
 * outputs; the weights and optimizer slots a training step updates stay in the module's memory
 * (the memory plan updates them in place), so a step moves only a batch in and a few scalars out.
 *
 * binaryen (seconds to load) is imported by `prepare`, which compiles ahead for a batch size;
 * `run` compiles synchronously only once binaryen is loaded.
 */
import { setFlagsFromString } from 'node:v8';
import type { CompiledWasm, WasmModuleOptions } from '../codegen/wasm/module.js';
import { NncError } from '../errors.js';
import type { Graph, Node } from '../ir/graph.js';
import type { TensorMap } from '../ir/interpreter.js';
import { dataOf, type Tensor } from '../ir/tensor.js';
import { concreteShape, type DType } from '../ir/types.js';
import { optimize } from '../passes/index.js';
import { atRows, type AffineBytes } from '../passes/memory-plan-types.js';
import type { Executor, ExecutorFactory } from './executor.js';

type Compile = (graph: Graph, options: WasmModuleOptions) => CompiledWasm;
let compile: Compile | undefined;

/** Loads the wasm backend (binaryen), so that executors can compile synchronously from now on. */
export async function loadWasmBackend(): Promise<void> {
  compile ??= (await import('../codegen/wasm/module.js')).compileWasm;
}

const HEAPS = { f32: Float32Array, i32: Int32Array, bool: Uint8Array } as const;

/** One compiled module: the graph's values at their planned addresses for up to `capacity` rows. */
class Instance {
  readonly capacity: number;
  private readonly run: (rows: number) => void;
  private readonly memory: WebAssembly.Memory;
  private readonly base: number;
  private readonly inputOffsets: Readonly<Record<string, AffineBytes>>;
  private readonly outputOffsets: Readonly<Record<string, AffineBytes>>;

  constructor(
    private readonly graph: Graph,
    capacity: number,
  ) {
    const compiled = compile!(graph, { simd: true, weights: 'embedded', rows: capacity });
    this.capacity = compiled.memory.maxRows;
    this.base = compiled.memory.arenaBase;
    this.inputOffsets = compiled.memory.inputOffsets;
    this.outputOffsets = compiled.memory.outputOffsets;
    const exports = new WebAssembly.Instance(eagerlyCompiled(compiled.binary)).exports;
    this.run = exports.run as (rows: number) => void;
    this.memory = exports.memory as WebAssembly.Memory;
  }

  /** A typed view of a value for a call of `rows` rows (valid until the next run). */
  view(node: Node, offset: AffineBytes, rows: number): Tensor {
    const shape = concreteShape(node.type.shape, rows);
    const Heap = HEAPS[node.type.dtype];
    const start = this.base + atRows(offset, rows);
    return { shape, data: new Heap(this.memory.buffer, start, shape.reduce((a, d) => a * d, 1)) };
  }

  inputView(node: Node, rows: number): Tensor {
    return this.view(node, this.inputOffsets[node.name!]!, rows);
  }

  outputView(name: string, rows: number): Tensor {
    const node = this.graph.outputs.find((o) => o.name === name)!.node;
    return this.view(node, this.outputOffsets[name]!, rows);
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
export const wasmExecutor: ExecutorFactory = (source, options = {}) => {
  const graph = optimize(source);
  const carry = options.carry ?? new Set<string>();
  const known = new Set(graph.inputs.map((n) => n.name!));
  let instance: Instance | undefined;
  let lastRows = 1;
  /** Whether the carried state is in `instance`'s memory, at its input addresses. */
  let carried = false;

  const ensure = (rows: number): Instance => {
    if (instance && instance.capacity >= rows) return instance;
    if (!compile) throw new Error('internal error: the wasm backend is not loaded; await prepare() or loadWasmBackend() first');
    const previous = instance;
    const next = new Instance(graph, Math.max(rows, previous?.capacity ?? 0));
    // The state the old module carried moves to the new one's input addresses.
    if (previous && carried)
      for (const n of graph.inputs) if (carry.has(n.name!)) next.inputView(n, lastRows).data.set(previous.inputView(n, lastRows).data);
    instance = next;
    return next;
  };

  return {
    async prepare(batch) {
      await loadWasmBackend();
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
      for (const name of Object.keys(inputs))
        if (!known.has(name) && !source.inputs.some((n) => n.name === name)) throw new NncError('NNC5002', `the graph has no input '${name}'`);
      module.call(rows);
      lastRows = rows;
      // A carried output not updated in place moves to its input's bytes now; copies first, since
      // an input's bytes may hold another output until the outputs are read.
      const moves = [...carry].filter((name) => known.has(name) && !module.inPlace(name)).map((name) => [name, module.outputView(name, rows).data.slice()] as const);
      const out: TensorMap = {};
      for (const o of graph.outputs) out[o.name] = module.outputView(o.name, rows);
      for (const [name, data] of moves) {
        const input = graph.inputs.find((n) => n.name === name)!;
        module.inputView(input, rows).data.set(data);
        out[name] = { shape: out[name]!.shape, data };
      }
      carried = true;
      return out;
    },
  };
};
