/**
 * The gather op (ONNX Gather, embedding lookups) and its gradient gather_grad (a scatter-add):
 * the interpreter against tf.gather and tf.grads (tfjs' UnsortedSegmentSum), the gradient also
 * against central finite differences (float32, step 1e-3: |Δ| ≤ 3e-3 · max(1, |g|)), and the wasm
 * kernels (SIMD and scalar) against the interpreter, exactly: they only move and add values in the
 * same order.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/frontend/random.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import { interpret } from '../../src/ir/interpreter.js';
import { tensor, typedTensor } from '../../src/ir/tensor.js';
import { gradientGraph } from '../../src/train/autodiff.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { buildWasmBundle } from '../wasm/bundle-helpers.js';
import { removeTempDirs } from '../wasm/temp.js';

afterAll(removeTempDirs);
const rng = new Random(3);
const random = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1.5, 1.5));
const size = (s: number[]) => s.reduce((p, d) => p * d, 1);

/** Data [dataShape], indices (non-negative: tf.gather's) of `indexShape` along `axis`. */
const CASES = [
  { data: [5, 3], indices: [4], values: [4, 0, 4, 2], axis: 0 },
  { data: [2, 4, 3], indices: [2, 2], values: [3, 0, 0, 1], axis: 1 },
  { data: [3, 2, 4], indices: [], values: [2], axis: 2 },
];

const outShape = (c: (typeof CASES)[number]) => [...c.data.slice(0, c.axis), ...c.indices, ...c.data.slice(c.axis + 1)];

/** loss = sum(gather(x, i) * R) for a fixed random R. */
function lossGraph(c: (typeof CASES)[number], r: Float32Array) {
  const b = new GraphBuilder();
  const x = b.input('x', { dtype: 'f32', shape: c.data });
  const y = b.op('gather', [x, b.constant(c.values, { dtype: 'i32', shape: c.indices })], { axis: c.axis });
  b.output('loss', b.op('reduce_sum', [b.op('mul', [y, b.constant([...r], y.type)])]));
  return b.build();
}

describe('gather and its gradient', () => {
  beforeAll(() => tfjsReady());

  for (const c of CASES)
    it(`gather ${JSON.stringify(c)}: values equal tf.gather, the gradient tf.grads and finite differences`, () => {
      const data = random(size(c.data));
      const b = new GraphBuilder();
      const x = b.input('x', { dtype: 'f32', shape: c.data });
      b.output('y', b.op('gather', [x, b.constant(c.values, { dtype: 'i32', shape: c.indices })], { axis: c.axis }));
      const y = interpret(b.build(), { x: tensor(c.data, data) }).y!;
      const want = tf.tidy(() => tf.gather(tf.tensor(data, c.data), tf.tensor(c.values, c.indices, 'int32'), c.axis).dataSync());
      expect(Array.from(y.data)).toEqual(Array.from(want));

      const r = random(size(outShape(c)));
      const graph = lossGraph(c, r);
      const g = interpret(gradientGraph(graph, 'loss', ['x']), { x: tensor(c.data, data) })['grad:x']!.data;
      const tfG = tf.tidy(() =>
        tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.gather(v, tf.tensor(c.values, c.indices, 'int32'), c.axis), tf.tensor(r, outShape(c)))))(tf.tensor(data, c.data)).dataSync(),
      );
      const loss = (d: Float32Array) => interpret(graph, { x: tensor(c.data, d) }).loss!.data[0]!;
      for (let j = 0; j < g.length; j++) {
        const scale = Math.max(1, Math.abs(g[j]!));
        expect(Math.abs(g[j]! - tfG[j]!), `[${j}] vs tfjs`).toBeLessThanOrEqual(1e-4 * scale);
        const [plus, minus] = [data.slice(), data.slice()];
        plus[j]! += 1e-3;
        minus[j]! -= 1e-3;
        expect(Math.abs(g[j]! - (loss(plus) - loss(minus)) / 2e-3), `[${j}] vs finite difference`).toBeLessThanOrEqual(3e-3 * scale);
      }
    });

  it('a negative index counts from the end; one outside the axis is an error in the interpreter', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'f32', shape: [3] });
    const i = b.input('i', { dtype: 'i32', shape: [2] });
    b.output('y', b.op('gather', [x, i]));
    const graph = b.build();
    const run = (idx: number[]) => Array.from(interpret(graph, { x: tensor([3], [10, 20, 30]), i: typedTensor([2], 'i32', idx) }).y!.data);
    expect(run([-1, -3])).toEqual([30, 10]);
    expect(() => run([3, 0])).toThrow(/index 3 is outside an axis of extent 3/);
  });

  it('the wasm kernels of gather (batched indices: an embedding lookup) and gather_grad equal the interpreter; an input id outside the axis is refused by predict', async () => {
    const b = new GraphBuilder();
    const table = b.input('table', { dtype: 'f32', shape: [5, 2] });
    const ids = b.input('ids', { dtype: 'i32', shape: [null, 3] });
    const g = b.input('g', { dtype: 'f32', shape: [null, 3, 2] });
    b.output('rows', b.op('gather', [table, ids]));
    b.output('scatter', b.op('gather_grad', [g, ids], { axis: 0, extent: 5 }));
    const graph = b.build();
    const inputs = { table: random(10), ids: Int32Array.from([0, 4, -1, 2, 2, 3, 1, 1, 0]), g: random(18) };
    const want = interpret(graph, { table: tensor([5, 2], inputs.table), ids: typedTensor([3, 3], 'i32', inputs.ids), g: tensor([3, 3, 2], inputs.g) });
    const bundle = await buildWasmBundle(graph);
    for (const simd of [true, false]) {
      const model = await (await bundle.import()).load({ simd });
      const got = model.predict(inputs as never) as unknown as Record<string, Float32Array>;
      expect(Array.from(got.rows!), `simd ${simd}`).toEqual(Array.from(want.rows!.data));
      expect(Array.from(got.scatter!), `simd ${simd}`).toEqual(Array.from(want.scatter!.data));
      // The bundle checks ids that feed a gather before running (the kernels cannot raise).
      expect(() => model.predict({ ...inputs, ids: Int32Array.from([5, 0, 0, 0, 0, 0, 0, 0, 0]) } as never)).toThrow(/RangeError|input "ids" holds the id 5 at element 0, outside \[0, 5\)/);
      expect(() => model.predict({ ...inputs, ids: Int32Array.from([0, 0, 0, 0, -6, 0, 0, 0, 0]) } as never)).toThrow(/holds the id -6 at element 4/);
    }
  });
});
