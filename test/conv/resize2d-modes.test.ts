/**
 * resize2d in every coordinate mode tfjs computes (the modes tfjs graph models' ResizeBilinear /
 * ResizeNearestNeighbor will map to), up and down, odd channel counts (the SIMD loop's tail):
 * the interpreter against tf.image.resize* (cpu) within 1e-6 of the output's scale, the wasm
 * bundle (SIMD and scalar) and the WebGPU bundle within 1e-6 of it at batch 1, 7 and 64; and the
 * attribute values resize2d refuses.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Attrs, Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { parseGraph } from '../../src/ir/parser.js';
import { printGraph } from '../../src/ir/printer.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { buildWebGpuBundle, byName, dawnGpu, predictInput } from '../helpers/webgpu.js';
import { buildWasmBundle, outputsByName, predictArgument } from '../wasm/bundle-helpers.js';

interface ModeCase {
  readonly attrs: Attrs;
  readonly image: [number, number, number];
  readonly tf: (x: tf.Tensor4D) => tf.Tensor;
}

const CASES: ModeCase[] = [
  { attrs: { size: [7, 9] }, image: [3, 4, 5], tf: (x) => tf.image.resizeNearestNeighbor(x, [7, 9]) },
  { attrs: { size: [2, 3] }, image: [5, 7, 3], tf: (x) => tf.image.resizeNearestNeighbor(x, [2, 3]) },
  { attrs: { size: [7, 9], coordinateMode: 'align_corners', nearestMode: 'round_prefer_ceil' }, image: [3, 4, 5], tf: (x) => tf.image.resizeNearestNeighbor(x, [7, 9], true) },
  { attrs: { size: [7, 9], coordinateMode: 'tf_half_pixel_for_nn' }, image: [3, 4, 5], tf: (x) => tf.image.resizeNearestNeighbor(x, [7, 9], false, true) },
  { attrs: { size: [7, 9], mode: 'bilinear' }, image: [3, 4, 5], tf: (x) => tf.image.resizeBilinear(x, [7, 9]) },
  { attrs: { size: [2, 3], mode: 'bilinear' }, image: [5, 7, 6], tf: (x) => tf.image.resizeBilinear(x, [2, 3]) },
  { attrs: { size: [7, 9], mode: 'bilinear', coordinateMode: 'align_corners' }, image: [3, 4, 5], tf: (x) => tf.image.resizeBilinear(x, [7, 9], true) },
  { attrs: { size: [7, 9], mode: 'bilinear', coordinateMode: 'half_pixel' }, image: [3, 4, 5], tf: (x) => tf.image.resizeBilinear(x, [7, 9], false, true) },
  { attrs: { size: [1, 1], mode: 'bilinear', coordinateMode: 'align_corners' }, image: [3, 4, 2], tf: (x) => tf.image.resizeBilinear(x, [1, 1], true) },
];

const BATCHES = [1, 7, 64];
const TOLERANCE = 1e-6;

function resizeGraph(c: ModeCase): Graph {
  const b = new GraphBuilder();
  b.output('y', b.op('resize2d', [b.input('x', { dtype: 'f32', shape: [null, ...c.image] })], c.attrs));
  return b.build();
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, where: string): void {
  expect(got.length, where).toBe(want.length);
  expect(maxAbsDiff(got, want), where).toBeLessThanOrEqual(TOLERANCE * Math.max(1, ...Array.from(want, Math.abs)));
}

describe.each(CASES)('resize2d $attrs from $image', (c) => {
  beforeAll(() => tfjsReady());
  const graph = resizeGraph(c);

  it('the interpreter equals tfjs; the wasm bundle (SIMD and scalar) and WebGPU equal the interpreter', async () => {
    const { load } = await (await buildWasmBundle(graph)).import();
    const builds = [await load(), await load({ simd: false })];
    const gpu = await (await (await buildWebGpuBundle(graph)).import()).load({ gpu: await dawnGpu() });
    try {
      for (const batch of BATCHES) {
        const { tensors, flat } = randomInputs(graph, batch, batch);
        const want = interpret(graph, tensors).y!.data;
        const theirs = tf.tidy(() => c.tf(tf.tensor4d(flat.x!, [batch, ...c.image])).dataSync());
        expectClose(want, theirs, `interpreter vs tfjs, batch ${batch}`);
        for (const build of builds) expectClose(outputsByName(build.predict(predictArgument(flat), batch), build.outputNames).y!, want, `wasm ${build.simd ? 'simd' : 'scalar'}, batch ${batch}`);
        expectClose(byName(await gpu.predict(predictInput(graph, flat), batch), ['y']).y!, want, `webgpu, batch ${batch}`);
      }
    } finally {
      await gpu.dispose();
    }
  });

  it('prints and parses back to the same graph', () => {
    expect(printGraph(parseGraph(printGraph(graph)))).toBe(printGraph(graph));
  });
});

describe('resize2d attributes', () => {
  const build = (attrs: Attrs) => () => resizeGraph({ attrs, image: [3, 4, 2], tf: (x) => x });
  it('refuses modes and sizes it does not compute, by name', () => {
    expect(build({ size: [6, 8], mode: 'cubic' })).toThrow(/mode must be one of 'nearest', 'bilinear', got 'cubic'/);
    expect(build({ size: [6, 8], coordinateMode: 'tf_crop_and_resize' })).toThrow(/coordinateMode must be one of .* got 'tf_crop_and_resize'/);
    expect(build({ size: [6, 8], nearestMode: 'round_half_even' })).toThrow(/nearestMode must be one of/);
    expect(build({ size: [0, 8] })).toThrow(/size must be \[height, width\]/);
  });
});
