import { atRows, type AffineBytes } from '../../src/passes/index.js';
import { compileWasm } from '../../src/codegen/wasm/module.js';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { randomInputs } from '../helpers/random-inputs.js';
import { relaxedSimdAvailable } from '../../src/train/relaxed-simd.js';

/** A module build: SIMD128 (true), scalar (false), or SIMD128 with fused multiply-adds (relaxed SIMD, as the training executor compiles). */
export type Build = boolean | 'relaxed';

/** The builds a kernel with multiply-adds is checked in. */
export const MADD_BUILDS: readonly Build[] = [true, 'relaxed', false];

export const buildName = (build: Build): string => (build === 'relaxed' ? 'relaxed simd' : build ? 'simd128' : 'scalar');

function moduleOptions(build: Build) {
  if (build !== 'relaxed') return { simd: build, weights: 'embedded' } as const;
  // Every Node nnc supports runs relaxed SIMD (Node 20 behind a flag the probe sets): not skipped.
  if (!relaxedSimdAvailable()) throw new Error('this Node cannot compile relaxed SIMD');
  return { simd: true, weights: 'embedded', relaxedSimd: true } as const;
}

/**
 * Compiles a graph to a wasm module (no bundle, no loader) and runs it on `batch` rows by writing
 * the inputs at their planned addresses, the way model.js does.
 */
export async function runModule(graph: Graph, inputs: Record<string, Float32Array>, batch: number, simd: Build): Promise<Record<string, Float32Array>> {
  const compiled = compileWasm(graph, moduleOptions(simd));
  if (batch > compiled.memory.maxRows) throw new Error(`runModule runs one chunk; batch ${batch} > ${compiled.memory.maxRows}`);
  const { instance } = await WebAssembly.instantiate(compiled.binary);
  const { memory, run } = instance.exports as { memory: WebAssembly.Memory; run: (rows: number) => void };
  const heap = new Float32Array(memory.buffer);
  // Garbage in the arena, as after earlier calls: a kernel must not rely on zeroed memory.
  heap.fill(NaN, compiled.memory.arenaBase / 4, compiled.memory.constBase / 4);
  const at = (offset: AffineBytes) => (compiled.memory.arenaBase + atRows(offset, batch)) / 4;
  for (const [name, data] of Object.entries(inputs)) heap.set(data, at(compiled.memory.inputOffsets[name]!));
  run(batch);
  return Object.fromEntries(
    graph.outputs.map((o) => {
      const size = o.node.type.shape.reduce<number>((p, d) => p * (d ?? batch), 1);
      const start = at(compiled.memory.outputOffsets[o.name]!);
      return [o.name, heap.slice(start, start + size)];
    }),
  );
}

/**
 * Largest |wasm - interpreter| over all outputs, for seeded random inputs; with `relative`, each
 * output's error is divided by its largest |expected| (at least 1). NaN anywhere is Infinity.
 */
export async function moduleError(graph: Graph, batch: number, simd: Build, seed = 7, relative = false): Promise<number> {
  const { tensors, flat } = randomInputs(graph, batch, seed);
  const expected = interpret(graph, tensors);
  const actual = await runModule(graph, flat, batch, simd);
  let worst = 0;
  for (const o of graph.outputs) {
    const e = expected[o.name]!.data;
    const a = actual[o.name]!;
    if (a.length !== e.length) return Infinity;
    const scale = relative ? Math.max(1, ...Array.from(e, Math.abs)) : 1;
    for (let i = 0; i < e.length; i++) {
      const d = Math.abs(a[i]! - e[i]!) / scale;
      worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
    }
  }
  return worst;
}
