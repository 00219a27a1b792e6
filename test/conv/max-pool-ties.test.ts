/**
 * Max pooling's rule for ties and NaN, alike in every backend: a window starts from its first
 * cell and a later cell replaces it only by being greater. So of −0 and +0 the first stays, and a
 * NaN wins only as the first cell (the cell `max_pool2d_grad` routes dy to). tfjs-cpu starts from
 * −∞ instead and skips NaN cells, which gives the same values wherever a window's first cell is
 * a number. Checked bit for bit: the plain pooling (its unrolled 2×2 form and its padded loop) and
 * the pooling a conv2d applies in its epilogue.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../src/ir/interpreter.js';
import { parseGraph } from '../../src/ir/parser.js';
import { tensor } from '../../src/ir/tensor.js';
import { optimize } from '../../src/passes/index.js';
import { buildWebGpuBundle, byName, dawnGpu } from '../helpers/webgpu.js';
import { buildName, MADD_BUILDS, runModule } from '../wasm/harness.js';

/** Four channels of one 2×2 window (row-major cells): a NaN after a number, a NaN first, −0 before +0, +0 before −0. */
const CELLS = [
  [1, NaN, 0, 0],
  [NaN, 2, 0, 0],
  [-0, 0, 0, 0],
  [0, -0, 0, 0],
];
/** x [1, 2, 2, 4] with channel c's cells CELLS[c]. */
const X = Float32Array.from({ length: 16 }, (_, i) => CELLS[i % 4]![Math.floor(i / 4)]!);

const bits = (a: ArrayLike<number>) => Array.from(a, (v) => (Object.is(v, -0) ? '-0' : String(v)));

const CASES = [
  {
    name: 'max_pool2d 2×2 (unrolled cells)',
    text: `%x = input : f32[?,2,2,4]
%0 = max_pool2d %x {pool=[2,2], strides=[2,2]} : f32[?,1,1,4]
output "y" = %0`,
    expected: ['1', 'NaN', '-0', '0'],
  },
  {
    name: 'max_pool2d 3×3 same, stride 2 (the padded loop)',
    text: `%x = input : f32[?,2,2,4]
%0 = max_pool2d %x {pool=[3,3], strides=[2,2], padding="same"} : f32[?,1,1,4]
output "y" = %0`,
    expected: ['1', 'NaN', '-0', '0'],
  },
];

/**
 * A 1×1 conv2d of one input channel and weights [1, −1] with the pooling in its epilogue: its
 * sums start from +0, so cells [−0, NaN, 0, −0] make both channels [0, NaN, 0, 0], pooled to +0
 * (f32x4.max would give NaN).
 */
const CONV_CASE = {
  name: 'a 1×1 conv2d with the pooling in its epilogue',
  text: `%x = input : f32[?,2,2,1]
%w = weight : f32[1,1,1,2]
%0 = conv2d %x, %w : f32[?,2,2,2]
%1 = max_pool2d %0 {pool=[2,2], strides=[2,2]} : f32[?,1,1,2]
output "y" = %1`,
  x: Float32Array.from([-0, NaN, 0, -0]),
  shape: [1, 2, 2, 1],
  expected: ['0', '0'],
};
const ALL = [...CASES.map((c) => ({ ...c, x: X, shape: [1, 2, 2, 4] })), CONV_CASE];

describe.each(ALL)('max pooling ties and NaN: $name', ({ text, x, shape, expected }) => {
  const graph = parseGraph(text, { weights: new Map([['w', Float32Array.from([1, -1])]]) });
  const optimized = optimize(graph);

  it('the interpreter, before and after the passes, keeps the first of equal cells and a NaN only as the first', () => {
    expect(bits(interpret(graph, { x: tensor(shape, x) }).y!.data)).toEqual(expected);
    expect(bits(interpret(optimized, { x: tensor(shape, x) }).y!.data)).toEqual(expected);
  });

  it('every wasm build gives the same bits', async () => {
    if (text.includes('conv2d')) expect(optimized.nodes.find((n) => n.op === 'conv2d')?.attrs.pool).toBe('max_pool2d');
    for (const build of MADD_BUILDS) expect(bits((await runModule(optimized, { x }, 1, build)).y!), buildName(build)).toEqual(expected);
  });

  it('the WebGPU bundle gives the same bits', async () => {
    const model = await (await (await buildWebGpuBundle(graph)).import()).load({ gpu: await dawnGpu() });
    expect(bits(byName(await model.predict(x, 1), ['y']).y!)).toEqual(expected);
  });
});

describe('max pooling ties and NaN against tfjs', () => {
  it('tfjs-cpu agrees wherever the first cell is a number (it skips a NaN first cell, nnc keeps it)', async () => {
    await tf.setBackend('cpu');
    const y = bits(await tf.maxPool(tf.tensor4d(X, [1, 2, 2, 4]), 2, 2, 'valid').data());
    expect(y).toEqual(['1', '2', '-0', '0']);
    const nnc = bits(interpret(parseGraph(CASES[0]!.text), { x: tensor([1, 2, 2, 4], X) }).y!.data);
    expect([0, 2, 3].map((c) => nnc[c])).toEqual([0, 2, 3].map((c) => y[c]));
  });
});
