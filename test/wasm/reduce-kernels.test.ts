/**
 * The kernels on the reduce skeleton (src/codegen/wasm/reduce.ts) against the reference
 * interpreter: reductions along the batch axis, inner axes and all axes, keepdims on and off,
 * softmax / log_softmax / argmax, the reductions' gradient (unreduce), one_hot and dropout_train,
 * at 1, 3 and 33 rows, in the SIMD and the scalar build; then a training-style graph (not
 * row-local, written as IR text) through a real bundle.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Attrs, Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { parseGraph } from '../../src/ir/parser.js';
import { tensor } from '../../src/ir/tensor.js';
import { concreteShape, tensorType, type Shape } from '../../src/ir/types.js';
import { buildWasmBundle, outputsByName } from './bundle-helpers.js';
import { moduleError, runModule } from './harness.js';
import { removeTempDirs } from './temp.js';

const ROWS = [1, 3, 33];
const BUILDS = [true, false];
/** Relative to the output's scale (its largest magnitude, at least 1). */
const TOLERANCE = 1e-5;

function oneOp(op: string, shapes: readonly Shape[], attrs: Attrs): Graph {
  const b = new GraphBuilder();
  const inputs = shapes.map((s, k) => b.input(`x${k}`, tensorType(s)));
  b.output('y', b.op(op, inputs, attrs));
  return b.build();
}

async function expectMatches(graph: Graph): Promise<void> {
  // A graph without the batch axis takes exactly its shapes: one row.
  const rowCounts = graph.inputs.some((n) => n.type.shape.includes(null)) ? ROWS : [1];
  for (const simd of BUILDS)
    for (const rows of rowCounts) expect(await moduleError(graph, rows, simd), `${simd ? 'simd' : 'scalar'} build, ${rows} rows`).toBeLessThanOrEqual(TOLERANCE);
}

/** Runs `graph` on the given inputs (name -> per-batch data) in both builds and compares exactly. */
async function expectExact(graph: Graph, rows: number, inputs: Record<string, Float32Array>): Promise<void> {
  const tensors = Object.fromEntries(graph.inputs.map((n) => [n.name!, tensor(concreteShape(n.type.shape, rows), inputs[n.name!]!)]));
  const want = interpret(graph, tensors).y!.data;
  for (const simd of BUILDS) expect(Array.from((await runModule(graph, inputs, rows, simd)).y!)).toEqual(Array.from(want));
}

describe('wasm reduce kernels', () => {
  const reductions: [Shape, Attrs][] = [
    [[null, 5], { axes: [0] }],
    [[null, 5], { axes: [0], keepdims: true }],
    [[null, 5], { axes: [-1] }],
    [[null, 5], { axes: [1], keepdims: true }],
    [[null, 3, 4], { axes: [1] }],
    [[null, 3, 4], { axes: [0, 2], keepdims: true }],
    [[null, 3, 4], { axes: [1, 2] }],
    [[null, 3, 4], { axes: [] }],
    [[null, 3, 4], { axes: [], keepdims: true }],
    [[2, 3, 4], { axes: [0, 2] }],
    // A bias's gradient: leading axes summed, the last kept (columns sixteen, then four at a time,
    // then a tail: 37 = 2 x 16 + 4 + 1).
    [[null, 3, 2, 7], { axes: [0, 1, 2] }],
    [[null, 2, 37], { axes: [0, 1] }],
    [[null, 3, 9], { axes: [0, 1], keepdims: true }],
    [[2, 3, 8], { axes: [0, 1] }],
  ];
  for (const op of ['reduce_sum', 'reduce_mean', 'reduce_max'])
    for (const [shape, attrs] of reductions)
      it(`${op} of ${JSON.stringify(shape)} with ${JSON.stringify(attrs)}`, async () => {
        await expectMatches(oneOp(op, [shape], attrs));
      });

  it('column sums (leading axes reduced) are the interpreter\'s floats exactly: f64 down each column, in its order', async () => {
    const rows = 5;
    const x = Float32Array.from({ length: rows * 3 * 2 * 7 }, (_, i) => Math.sin(i * 1.7) * 10 ** ((i % 7) - 3));
    const wide = Float32Array.from({ length: rows * 2 * 37 }, (_, i) => Math.cos(i * 0.9) * 10 ** ((i % 9) - 4));
    for (const op of ['reduce_sum', 'reduce_mean']) {
      await expectExact(oneOp(op, [[null, 3, 2, 7]], { axes: [0, 1, 2] }), rows, { x0: x });
      await expectExact(oneOp(op, [[null, 2, 37]], { axes: [0, 1] }), rows, { x0: wide });
    }
  });

  it('unreduce (sum and mean) back over the batch axis, an inner axis and all axes', async () => {
    await expectMatches(oneOp('unreduce', [[5], [null, 5]], { axes: [0] }));
    await expectMatches(oneOp('unreduce', [[null, 1, 4], [null, 3, 4]], { axes: [1], keepdims: true, mean: true }));
    await expectMatches(oneOp('unreduce', [[null], [null, 3]], { axes: [-1], mean: true }));
    await expectMatches(oneOp('unreduce', [[], [null, 3, 4]], { mean: true }));
  });

  it('argmax along the last, an inner and the batch axis', async () => {
    await expectMatches(oneOp('argmax', [[null, 7]], { axis: -1 }));
    await expectMatches(oneOp('argmax', [[null, 3, 4]], { axis: 1 }));
    await expectMatches(oneOp('argmax', [[null, 4]], { axis: 0 }));
  });

  it('argmax takes the first of equal maxima', async () => {
    const rows = 3;
    await expectExact(oneOp('argmax', [[null, 4]], { axis: -1 }), rows, { x0: Float32Array.of(1, 3, 3, 2, 5, 5, 5, 5, -1, -2, -1, -3) });
  });

  it('softmax and log_softmax along an inner and the batch axis', async () => {
    await expectMatches(oneOp('softmax', [[null, 3, 4]], { axis: 1 }));
    await expectMatches(oneOp('softmax', [[null, 6]], { axis: 0 }));
    await expectMatches(oneOp('log_softmax', [[null, 3, 4]], { axis: -1 }));
    await expectMatches(oneOp('log_softmax', [[null, 2, 3]], { axis: 0 }));
  });

  it('one_hot: 1 at integer labels in range, an all-zero row for any other label', async () => {
    const labels = Float32Array.of(0, 3, 2, -1, 4, 1.5, NaN, 1, 3, 0, 2, 1);
    await expectExact(oneOp('one_hot', [[null]], { depth: 4 }), labels.length, { x0: labels });
    await expectExact(oneOp('one_hot', [[null, 3]], { depth: 5 }), 4, { x0: labels });
  });

  it('dropout_train reproduces the interpreter mask and values bit for bit, for any seed and rate (four lanes, divided in f32 where 1 − rate is a float and in f64 where not, then the tail)', async () => {
    for (const rate of [0.3, 0, 0.9, 0.5, 0.25])
      for (const seed of [0, 12345, -7.5, 3e9, -(2 ** 40), 2 ** 70, NaN])
        for (const rows of ROWS) {
          const x = Float32Array.from({ length: rows * 7 }, (_, i) => (i % 11 === 3 ? NaN : Math.sin(i + 1)));
          await expectExact(oneOp('dropout_train', [[null, 7], []], { rate }), rows, { x0: x, x1: Float32Array.of(seed) });
        }
  });
});

describe('a training-style graph through a wasm bundle', () => {
  afterAll(removeTempDirs);
  const ir = `%x = input : f32[?,3,4]
%labels = input : f32[?]
%seed = input : f32[]
%0 = dropout_train %x, %seed {rate=0.25} : f32[?,3,4]
%1 = reduce_sum %0 {axes=[2]} : f32[?,3]
%2 = log_softmax %1 {axis=-1} : f32[?,3]
%3 = one_hot %labels {depth=3} : f32[?,3]
%4 = mul %2, %3 : f32[?,3]
%5 = reduce_sum %4 {axes=[-1]} : f32[?]
%6 = reduce_mean %5 : f32[]
%7 = argmax %1 {axis=-1} : f32[?]
%8 = unreduce %6, %5 {mean=true} : f32[?]
%9 = reduce_mean %x {axes=[0], keepdims=true} : f32[1,3,4]
output "loss" = %6
output "predicted" = %7
output "spread" = %8
output "means" = %9
`;

  it('matches the interpreter at 1, 3 and 33 rows, SIMD and scalar', async () => {
    const graph = parseGraph(ir);
    const bundle = await buildWasmBundle(graph);
    for (const simd of BUILDS) {
      const model = await (await bundle.import()).load({ simd });
      expect(model.simd).toBe(simd);
      for (const rows of ROWS) {
        const x = Float32Array.from({ length: rows * 12 }, (_, i) => Math.cos(i * 0.7));
        const labels = Float32Array.from({ length: rows }, (_, i) => i % 3);
        const seed = Float32Array.of(42 + rows);
        const want = interpret(graph, { x: tensor([rows, 3, 4], x), labels: tensor([rows], labels), seed: tensor([], seed) });
        const got = outputsByName(model.predict({ x, labels, seed }, rows), model.outputNames);
        for (const name of model.outputNames) {
          const w = Array.from(want[name]!.data);
          const scale = w.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
          const err = w.reduce((m, v, i) => Math.max(m, Math.abs(v - got[name]![i]!)), 0);
          expect(err / scale, `${name}, ${rows} rows, ${simd ? 'simd' : 'scalar'}`).toBeLessThanOrEqual(TOLERANCE);
          expect(got[name]!.length).toBe(w.length);
        }
      }
    }
  });
});
