/**
 * tfjs graph models with FusedBatchNorm / FusedBatchNormV3 (inference) and ResizeNearestNeighbor /
 * ResizeBilinear in every (align_corners, half_pixel_centers) pair TensorFlow accepts, up and down,
 * hand-written as tensorflowjs_converter writes them, against tfjs-converter running the same
 * files: the interpreter, the wasm bundle (SIMD and scalar) and the WebGPU bundle at batch 1 and
 * 7, within 1e-5 of each output's scale; and the forms the importer refuses, by node and attr.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/frontend/random.js';
import { loadTfjsGraphModel } from '../../src/frontend/import/tfjs-graph.js';
import { goldenCase, importProblems } from '../helpers/tfjs-graph-golden.js';
import { constNode, floatWeight, intWeight, ints, placeholder, str, tfNode, writeGraphModel, type Weight } from '../helpers/tfjs-graph-model.js';
import { RESIZE_MODES } from '../helpers/resize-modes.js';

const rng = new Random(29);
const f32 = (name: string, shape: number[], scale = 1) => floatWeight(rng, name, shape, scale);
/** A variance: positive, away from zero. */
const positive = (name: string, shape: number[]): Weight => {
  const w = f32(name, shape);
  return { ...w, values: w.values.map((v) => Math.abs(v) + 0.1) };
};
const i32 = (name: string, shape: number[], values: number[]) => [constNode(name, 'DT_INT32'), intWeight(name, shape, values)] as const;

const batchNorm = (name: string, op: string, x: string, attr: Record<string, unknown> = {}) =>
  tfNode(name, op, [x, 'gamma', 'beta', 'mean', 'variance'], {
    T: { type: 'DT_FLOAT' },
    ...(op !== 'FusedBatchNorm' ? { U: { type: 'DT_FLOAT' }, exponential_avg_factor: { f: 1 } } : {}),
    data_format: str('NHWC'),
    epsilon: { f: 0.001 },
    is_training: { b: false },
    ...attr,
  });
const conv = (name: string, x: string, w: string) =>
  tfNode(name, 'Conv2D', [x, w], { T: { type: 'DT_FLOAT' }, data_format: str('NHWC'), strides: ints(1, 1, 1, 1), dilations: ints(1, 1, 1, 1), padding: str('SAME') });

// FusedBatchNormV3 on the input, FusedBatchNorm and V2 after a convolution, as
// tensorflowjs_converter leaves them when it does not fold them into the convolution.
goldenCase({
  name: 'FusedBatchNormV3, V2 and FusedBatchNorm (is_training false)',
  input: [5, 6, 4],
  nodes: [
    placeholder('x', [5, 6, 4]),
    ...['w', 'gamma', 'beta', 'mean', 'variance'].map((n) => constNode(n)),
    batchNorm('bn_v3', 'FusedBatchNormV3', 'x'),
    conv('conv', 'x', 'w'),
    batchNorm('bn_v1', 'FusedBatchNorm', 'conv', { epsilon: { f: 0.01 } }),
    batchNorm('bn_v2', 'FusedBatchNormV2', 'conv', { epsilon: { f: 0.25 } }),
  ],
  weights: [f32('w', [3, 3, 4, 4]), f32('gamma', [4], 2), f32('beta', [4]), f32('mean', [4]), positive('variance', [4])],
  outputs: ['bn_v3', 'bn_v1', 'bn_v2'],
});

const [up, upW] = i32('up', [2], [11, 9]);
const [down, downW] = i32('down', [2], [3, 4]);
const resize = (name: string, op: string, size: string, alignCorners: boolean, halfPixel: boolean) =>
  tfNode(name, op, ['x', size], { T: { type: 'DT_FLOAT' }, align_corners: { b: alignCorners }, half_pixel_centers: { b: halfPixel } });
/** Each op in each pair TensorFlow accepts, up to 11 x 9 and down to 3 x 4 from 5 x 6. */
const resizes = ['ResizeNearestNeighbor', 'ResizeBilinear'].flatMap((op) =>
  [
    [false, false],
    [true, false],
    [false, true],
  ].flatMap(([align, half]) => ['up', 'down'].map((size) => resize(`${op}_${align ? 'align' : half ? 'half' : 'plain'}_${size}`, op, size, align!, half!))),
);

goldenCase({
  name: 'ResizeNearestNeighbor and ResizeBilinear (align_corners, half_pixel_centers)',
  input: [5, 6, 3],
  nodes: [placeholder('x', [5, 6, 3]), up, down, ...resizes],
  weights: [upW, downW],
  outputs: resizes.map((n) => n.name),
});

describe('the resize attribute pairs', () => {
  it('become resize2d coordinate and rounding modes as tfjs computes them', () => {
    const graph = loadTfjsGraphModel(writeGraphModel([placeholder('x', [5, 6, 3]), up, down, ...resizes], [upW, downW]).path);
    const modes = graph.nodes.filter((n) => n.op === 'resize2d').map((n) => [n.attrs.mode, n.attrs.coordinateMode, n.attrs.nearestMode]);
    // In the order of `resizes`: each pair up, then down.
    expect(modes).toEqual(RESIZE_MODES.flatMap((p) => [p, p]));
  });
});

describe('refusals name the node and the attr', () => {
  it('batch norm while training (said or by default), without epsilon, NCHW; resize with both align_corners and half_pixel_centers, a size not a constant [2]', () => {
    const [bad, badW] = i32('bad_size', [3], [4, 4, 4]);
    const message = importProblems(
      [
        placeholder('x', [5, 6, 4]),
        placeholder('size', [2], 'DT_INT32'),
        ...['gamma', 'beta', 'mean', 'variance'].map((n) => constNode(n)),
        up,
        bad,
        batchNorm('training', 'FusedBatchNormV3', 'x', { is_training: { b: true } }),
        tfNode('training_by_default', 'FusedBatchNorm', ['x', 'gamma', 'beta', 'mean', 'variance'], { T: { type: 'DT_FLOAT' }, epsilon: { f: 0.001 } }),
        tfNode('no_epsilon', 'FusedBatchNormV3', ['x', 'gamma', 'beta', 'mean', 'variance'], { T: { type: 'DT_FLOAT' }, is_training: { b: false } }),
        batchNorm('nchw', 'FusedBatchNormV3', 'x', { data_format: str('NCHW') }),
        resize('both', 'ResizeBilinear', 'up', true, true),
        resize('both_nn', 'ResizeNearestNeighbor', 'up', true, true),
        resize('runtime_size', 'ResizeBilinear', 'size', false, false),
        resize('three_sizes', 'ResizeNearestNeighbor', 'bad_size', false, false),
      ],
      [f32('gamma', [4]), f32('beta', [4]), f32('mean', [4]), positive('variance', [4]), upW, badW],
    );
    expect(message).toContain('8 problem(s)');
    for (const expected of [
      'node training): FusedBatchNormV3 attr is_training = true is not supported (only false',
      'node training_by_default): FusedBatchNorm attr is_training = true is not supported',
      'node no_epsilon): FusedBatchNormV3 attr epsilon = undefined must be stated',
      'node nchw): FusedBatchNormV3 attr data_format = "NCHW" is not supported (only "NHWC")',
      'node both): ResizeBilinear attr half_pixel_centers = true is not supported with align_corners true',
      'node both_nn): ResizeNearestNeighbor attr half_pixel_centers = true is not supported with align_corners true',
      "node runtime_size): ResizeBilinear: operand 'size' must be an int32 constant",
      'node three_sizes): ResizeNearestNeighbor: size must be [height, width] of positive integers, got [4, 4, 4]',
    ])
      expect(message).toContain(expected);
  });
});
