/**
 * Every op's gradient rule against central finite differences (on the reference interpreter)
 * and against tfjs's tf.grads of the same function. The loss is sum(op(x...) * R) with a fixed
 * random R, so every output element carries a different upstream gradient; for a multi-result
 * op, the sum of that over the results the case uses (the others receive no gradient at all).
 *
 * Tolerances: finite differences in float32 with step 1e-3 agree to |Δ| ≤ 3e-3 · max(1, |g|)
 * (rounding of the loss / step plus O(step²) truncation); tfjs computes the same math in float32
 * and agrees to |Δ| ≤ 1e-4 · max(1, |g|).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Attrs } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { opRegistry } from '../../src/ir/ops/index.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { concreteShape } from '../../src/ir/types.js';
import { Random } from '../../src/frontend/random.js';
import { dropoutKeep } from '../../src/ir/ops/dropout_train.js';
import { gradientGraph } from '../../src/train/autodiff.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';

type TfFn = (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

interface Case {
  op: string;
  attrs?: Attrs;
  shapes: number[][];
  tf: TfFn;
  /** Keep operands in [0.5, 1.5] (log, sqrt, division). */
  positive?: boolean;
  /** The last operand is an integer seed, not differentiated. */
  seedOperand?: boolean;
  /** Multi-result ops: the results the loss reads (default: all). */
  used?: number[];
  /** Operands of evenly spaced distinct values, shuffled (max pooling: no ties, none within a step). */
  distinct?: boolean;
  /** Why tfjs's gradient is not the oracle here (finite differences still are). */
  tfjsGradientDiffers?: string;
}

function maskOf(seed: number, n: number, rate: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (dropoutKeep(seed, i, rate) ? 1 / (1 - rate) : 0));
}

/** Each row and column of x [n, h, w, c] twice: nearest 2x up-sampling built from tf.stack. */
function repeatRowsCols(x: tf.Tensor): tf.Tensor {
  const [n, h, w, c] = x.shape as number[];
  const cols = tf.reshape(tf.stack([x, x], 3), [n!, h!, 2 * w!, c!]);
  return tf.reshape(tf.stack([cols, cols], 2), [n!, 2 * h!, 2 * w!, c!]);
}

const erfGelu = (x: tf.Tensor) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));

const CASES: Case[] = [
  { op: 'matmul', shapes: [[3, 4], [4, 5]], tf: (a, b) => tf.matMul(a!, b!) },
  { op: 'matmul', shapes: [[2, 3, 4], [4, 2]], tf: (a, b) => tf.reshape(tf.matMul(tf.reshape(a!, [6, 4]), b!), [2, 3, 2]) },
  { op: 'matmul_nt', shapes: [[3, 4], [5, 4]], tf: (a, b) => tf.matMul(a!, b!, false, true) },
  { op: 'matmul_tn', shapes: [[3, 4], [3, 5]], tf: (a, b) => tf.matMul(a!, b!, true, false) },
  { op: 'add', shapes: [[3, 4], [4]], tf: (a, b) => tf.add(a!, b!) },
  { op: 'conv2d', attrs: { strides: [2, 2], padding: 'same' }, shapes: [[2, 5, 5, 3], [3, 3, 3, 4]], tf: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same') },
  // tfjs has no gradient of a dilated conv2d: test/conv/ checks that one by finite differences.
  { op: 'conv2d', attrs: { strides: [1, 2] }, shapes: [[1, 6, 5, 2], [2, 2, 2, 3], [3]], tf: (x, w, b) => tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, [1, 2], 'valid'), b!) },
  { op: 'depthwise_conv2d', attrs: { strides: [2, 2], padding: 'same' }, shapes: [[2, 5, 5, 3], [3, 3, 3, 2]], tf: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same') },
  { op: 'depthwise_conv2d', shapes: [[1, 6, 5, 4], [2, 3, 4, 1], [4]], tf: (x, w, b) => tf.add(tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'), b!) },
  { op: 'add', shapes: [[3, 1], [1, 4]], tf: (a, b) => tf.add(a!, b!) },
  { op: 'sub', shapes: [[3, 4], [3, 4]], tf: (a, b) => tf.sub(a!, b!) },
  { op: 'sub', shapes: [[4], [3, 4]], tf: (a, b) => tf.sub(a!, b!) },
  { op: 'mul', shapes: [[2, 3, 4], [3, 1]], tf: (a, b) => tf.mul(a!, b!) },
  { op: 'div', shapes: [[3, 4], [4]], tf: (a, b) => tf.div(a!, b!), positive: true },
  { op: 'relu', shapes: [[3, 4]], tf: (x) => tf.relu(x!) },
  { op: 'sigmoid', shapes: [[3, 4]], tf: (x) => tf.sigmoid(x!) },
  { op: 'tanh', shapes: [[3, 4]], tf: (x) => tf.tanh(x!) },
  { op: 'elu', shapes: [[3, 4]], tf: (x) => tf.elu(x!) },
  { op: 'selu', shapes: [[3, 4]], tf: (x) => tf.selu(x!) },
  { op: 'selu', attrs: { alpha: 2, gamma: 3 }, shapes: [[3, 4]], tf: (x) => tf.mul(3, tf.add(tf.relu(x!), tf.mul(2, tf.sub(tf.exp(tf.minimum(x!, 0)), 1)))) },
  { op: 'relu6', shapes: [[3, 4]], tf: (x) => tf.relu6(x!) },
  { op: 'hard_sigmoid', shapes: [[3, 4]], tf: (x) => tf.clipByValue(tf.add(tf.mul(x!, 0.2), 0.5), 0, 1) },
  { op: 'hard_sigmoid', attrs: { alpha: 1, beta: 0.5 }, shapes: [[3, 4]], tf: (x) => tf.clipByValue(tf.add(x!, 0.5), 0, 1) },
  { op: 'leaky_relu', shapes: [[3, 4]], tf: (x) => tf.leakyRelu(x!, 0.2) },
  { op: 'swish', shapes: [[3, 4]], tf: (x) => tf.mul(x!, tf.sigmoid(x!)) },
  { op: 'softplus', shapes: [[3, 4]], tf: (x) => tf.softplus(x!) },
  { op: 'gelu', shapes: [[3, 4]], tf: erfGelu },
  { op: 'softmax', shapes: [[3, 5]], tf: (x) => tf.softmax(x!) },
  { op: 'softmax', attrs: { axis: 0 }, shapes: [[3, 5]], tf: (x) => tf.transpose(tf.softmax(tf.transpose(x!))) },
  { op: 'log_softmax', shapes: [[3, 5]], tf: (x) => tf.logSoftmax(x!) },
  { op: 'reshape', attrs: { shape: [2, 6] }, shapes: [[2, 3, 4]], tf: (x) => tf.reshape(x!, [2, 2, 6]) },
  { op: 'concat', attrs: { axis: 1 }, shapes: [[2, 3], [2, 4]], tf: (a, b) => tf.concat([a!, b!], 1) },
  { op: 'slice', attrs: { axis: 1, begin: 1, size: 2 }, shapes: [[2, 4]], tf: (x) => tf.slice(x!, [0, 1], [2, 2]) },
  { op: 'pad', attrs: { axis: 1, before: 1, after: 2 }, shapes: [[2, 3]], tf: (x) => tf.pad(x!, [[0, 0], [1, 2]]) },
  { op: 'transpose', attrs: { perm: [0, 3, 1, 2] }, shapes: [[2, 3, 4, 5]], tf: (x) => tf.transpose(x!, [0, 3, 1, 2]) },
  { op: 'transpose', attrs: { perm: [2, 0, 1] }, shapes: [[2, 3, 4]], tf: (x) => tf.transpose(x!, [2, 0, 1]) },
  { op: 'split', attrs: { axis: 1, sizes: [1, 3, 2] }, shapes: [[2, 6]], tf: (x) => tf.split(x!, [1, 3, 2], 1) },
  // Results the loss does not read get zeros in the joined gradient: first, middle and last.
  { op: 'split', attrs: { axis: -1, sizes: [2, 2] }, shapes: [[2, 3, 4]], used: [1], tf: (x) => tf.split(x!, [2, 2], -1) },
  { op: 'split', attrs: { axis: 0, sizes: [1, 1, 2] }, shapes: [[4, 3]], used: [0, 2], tf: (x) => tf.split(x!, [1, 1, 2], 0) },
  { op: 'split', attrs: { axis: 1, sizes: [3, 1] }, shapes: [[2, 4]], used: [0], tf: (x) => tf.split(x!, [3, 1], 1) },
  {
    op: 'dropout_train',
    attrs: { rate: 0.4 },
    shapes: [[3, 4], []],
    // The mask is a function of (seed, index): rebuild it from the op itself.
    tf: (x, seed) => tf.mul(x!, tf.tensor(maskOf(seed!.dataSync()[0]!, 12, 0.4), [3, 4])),
    seedOperand: true,
  },
  { op: 'identity', shapes: [[3, 4]], tf: (x) => x! },
  { op: 'dropout', attrs: { rate: 0.5 }, shapes: [[3, 4]], tf: (x) => x! },
  ...[
    { pool: [2, 2], strides: [2, 2], padding: 'valid' as const, shape: [2, 5, 5, 3] },
    { pool: [3, 3], strides: [1, 1], padding: 'same' as const, shape: [1, 4, 5, 2] },
    { pool: [3, 2], strides: [2, 1], padding: 'same' as const, shape: [2, 5, 4, 3] },
  ].flatMap(({ pool, strides, padding, shape }): Case[] => [
    { op: 'max_pool2d', attrs: { pool, strides, padding }, shapes: [shape], distinct: true, tf: (x) => tf.maxPool(x as tf.Tensor4D, pool as [number, number], strides as [number, number], padding) },
    {
      op: 'avg_pool2d',
      attrs: { pool, strides, padding },
      shapes: [shape],
      // tfjs's AvgPoolGrad divides by the whole window where it overlaps the padding; TF, and the
      // forward pass of both, divide by the real cells.
      ...(padding === 'same' ? { tfjsGradientDiffers: 'tfjs divides by the padded window size' } : {}),
      tf: (x) => tf.avgPool(x as tf.Tensor4D, pool as [number, number], strides as [number, number], padding),
    },
  ]),
  // The transposed convolution (conv2d_grad_input given its output size) against tfjs's conv2dTranspose.
  {
    op: 'conv2d_grad_input',
    attrs: { strides: [2, 2], padding: 'same', size: [5, 6] },
    shapes: [[2, 3, 3, 4], [3, 3, 2, 4]],
    tf: (dy, w) => tf.conv2dTranspose(dy as tf.Tensor4D, w as tf.Tensor4D, [2, 5, 6, 2], 2, 'same'),
  },
  {
    op: 'conv2d_grad_input',
    attrs: { strides: [2, 1], size: [8, 5] },
    shapes: [[1, 3, 3, 3], [4, 3, 2, 3]],
    tf: (dy, w) => tf.conv2dTranspose(dy as tf.Tensor4D, w as tf.Tensor4D, [1, 8, 5, 2], [2, 1], 'valid'),
  },
  // resize2d in each coordinate mode tfjs has (alignCorners, halfPixelCenters), up and down.
  // tfjs 4.22's cpu gradients are the oracle only where they are right: ResizeNearestNeighborGrad
  // misplaces every image after the first and both ignore halfPixelCenters; ResizeBilinearGrad
  // returns [n, w, h, c] (the right values, so square images are compared). Repeating rows and
  // columns with tf.stack is nearest's 2x up-sampling by other means, with tfjs's own gradients.
  { op: 'resize2d', attrs: { size: [6, 8] }, shapes: [[2, 3, 4, 3]], tf: (x) => repeatRowsCols(x!) },
  { op: 'resize2d', attrs: { size: [5, 7], coordinateMode: 'align_corners', nearestMode: 'round_prefer_ceil' }, shapes: [[1, 3, 4, 2]], tf: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [5, 7], true) },
  { op: 'resize2d', attrs: { size: [3, 2] }, shapes: [[1, 5, 4, 2]], tf: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [3, 2]) },
  {
    op: 'resize2d',
    attrs: { size: [5, 7], coordinateMode: 'tf_half_pixel_for_nn' },
    shapes: [[1, 3, 4, 2]],
    tfjsGradientDiffers: 'tfjs ResizeNearestNeighborGrad ignores halfPixelCenters',
    tf: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [5, 7], false, true),
  },
  { op: 'resize2d', attrs: { size: [6, 9], mode: 'bilinear' }, shapes: [[2, 3, 3, 3]], tf: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [6, 9]) },
  { op: 'resize2d', attrs: { size: [5, 7], mode: 'bilinear', coordinateMode: 'align_corners' }, shapes: [[1, 4, 4, 2]], tf: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [5, 7], true) },
  { op: 'resize2d', attrs: { size: [2, 3], mode: 'bilinear' }, shapes: [[1, 5, 5, 2]], tf: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [2, 3]) },
  {
    op: 'resize2d',
    attrs: { size: [5, 7], mode: 'bilinear', coordinateMode: 'half_pixel' },
    shapes: [[1, 4, 4, 2]],
    tfjsGradientDiffers: 'tfjs ResizeBilinearGrad ignores halfPixelCenters',
    tf: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [5, 7], false, true),
  },
  { op: 'reduce_sum', attrs: { axes: [1] }, shapes: [[3, 4]], tf: (x) => tf.sum(x!, 1) },
  { op: 'reduce_sum', attrs: { axes: [0], keepdims: true }, shapes: [[3, 4]], tf: (x) => tf.sum(x!, 0, true) },
  { op: 'reduce_max', attrs: { axes: [1, 2] }, shapes: [[2, 3, 4, 2]], distinct: true, tf: (x) => tf.max(x!, [1, 2]) },
  { op: 'reduce_max', attrs: { axes: [-1], keepdims: true }, shapes: [[3, 5]], distinct: true, tf: (x) => tf.max(x!, -1, true) },
  { op: 'reduce_mean', attrs: { axes: [] }, shapes: [[3, 4]], tf: (x) => tf.mean(x!) },
  { op: 'reduce_prod', attrs: { axes: [1] }, shapes: [[3, 4]], tf: (x) => tf.prod(x!, 1) },
  { op: 'reduce_prod', attrs: { axes: [0, 2], keepdims: true }, shapes: [[2, 3, 2]], tf: (x) => tf.prod(x!, [0, 2], true) },
  { op: 'reduce_mean', attrs: { axes: [-1], keepdims: true }, shapes: [[2, 3, 4]], tf: (x) => tf.mean(x!, -1, true) },
  {
    op: 'elementwise',
    attrs: { expr: 'div(mul(exp($0),sqrt($1)),add(log($1),2))' },
    shapes: [[3, 4], [4]],
    tf: (a, b) => tf.div(tf.mul(tf.exp(a!), tf.sqrt(b!)), tf.add(tf.log(b!), 2)),
    positive: true,
  },
  { op: 'elementwise', attrs: { expr: 'max(min($0,0.5),-0.5)' }, shapes: [[3, 4]], tf: (x) => tf.clipByValue(x!, -0.5, 0.5) },
  { op: 'elementwise', attrs: { expr: 'abs(neg($0))' }, shapes: [[3, 4]], tf: (x) => tf.abs(tf.neg(x!)) },
  { op: 'maximum', shapes: [[3, 4], [3, 4]], tf: (a, b) => tf.maximum(a!, b!) },
  { op: 'minimum', shapes: [[2, 3], [2, 3]], tf: (a, b) => tf.minimum(a!, b!) },
  ...(['maximum', 'minimum'] as const).map((op) => ({
    op,
    shapes: [[3, 1], [1, 4]],
    tf: (a?: tf.Tensor, b?: tf.Tensor) => tf[op](a!, b!),
    tfjsGradientDiffers: "tfjs' Maximum / Minimum gradients do not sum a broadcast operand's gradient back to its shape (tf.grads throws)",
  })),
  // Elementwise math and activations of imported graphs (ONNX).
  { op: 'abs', shapes: [[3, 4]], tf: (x) => tf.abs(x!) },
  { op: 'neg', shapes: [[3, 4]], tf: (x) => tf.neg(x!) },
  { op: 'exp', shapes: [[3, 4]], tf: (x) => tf.exp(x!) },
  { op: 'log', shapes: [[3, 4]], tf: (x) => tf.log(x!), positive: true },
  { op: 'sqrt', shapes: [[3, 4]], tf: (x) => tf.sqrt(x!), positive: true },
  { op: 'reciprocal', shapes: [[3, 4]], tf: (x) => tf.reciprocal(x!), positive: true },
  { op: 'erf', shapes: [[3, 4]], tf: (x) => tf.erf(x!) },
  { op: 'pow', shapes: [[3, 4], [4]], tf: (a, b) => tf.pow(a!, b!), positive: true, tfjsGradientDiffers: "tfjs' Pow gradient does not sum a broadcast exponent's gradient back to its shape" },
  { op: 'pow', shapes: [[3, 4], [3, 4]], tf: (a, b) => tf.pow(a!, b!), positive: true },
  { op: 'prelu', shapes: [[3, 4], [4]], tf: (x, s) => tf.prelu(x!, s!) },
  { op: 'celu', attrs: { alpha: 1.5 }, shapes: [[3, 4]], tf: (x) => tf.add(tf.relu(x!), tf.minimum(0, tf.mul(1.5, tf.sub(tf.exp(tf.div(x!, 1.5)), 1)))) },
  { op: 'hard_swish', shapes: [[3, 4]], tf: (x) => tf.mul(x!, tf.clipByValue(tf.add(tf.div(x!, 6), 0.5), 0, 1)) },
  { op: 'softsign', shapes: [[3, 4]], tf: (x) => tf.div(x!, tf.add(1, tf.abs(x!))) },
  {
    op: 'gelu',
    attrs: { approximate: 'tanh' },
    shapes: [[3, 4]],
    tf: (x) => tf.mul(tf.mul(x!, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x!, tf.mul(0.044715, tf.pow(x!, 3))))))),
  },
  // Positive operands keep the variance away from -epsilon; the gradient reaches all five.
  { op: 'batch_norm', attrs: { epsilon: 0.01 }, shapes: [[2, 3, 4], [4], [4], [4], [4]], positive: true, tf: (x, m, v, g, b) => tf.batchNorm(x!, m!, v!, b!, g!, 0.01) },
];

/**
 * Ops whose operands are not differentiable (integer-valued results) or that are gradients themselves
 * (conv2d's, depthwise_conv2d's, pooling's and resize2d's gradient ops: test/conv/conv2d-gradients.test.ts,
 * depthwise-gradients.test.ts and the pooling tests check them by finite differences). gather takes
 * int32 indices: test/ir/gather.test.ts checks its gradient (gather_grad) the same two ways.
 */
const NOT_DIFFERENTIATED = new Set(['input', 'weight', 'const', 'one_hot', 'argmax', 'unreduce', 'dense', 'result', 'equal', 'less', 'greater', 'cast',
  'sign', 'floor', 'ceil', 'less_equal', 'greater_equal', 'not', 'and', 'or', 'xor',
  // where's condition is a bool (no f32 operand): its own test below.
  'where', 'conv2d_grad_filter', 'depthwise_conv2d_grad_input', 'depthwise_conv2d_grad_filter', 'max_pool2d_grad', 'avg_pool2d_grad', 'resize2d_grad', 'gather', 'gather_grad']);

function sample(rng: Random, shape: number[], positive: boolean): Float32Array {
  const data = new Float32Array(shape.reduce((p, d) => p * d, 1));
  for (let i = 0; i < data.length; i++) {
    // Stay away from kinks at 0 and ±0.5 (relu, clip), where finite differences are meaningless.
    let v: number;
    do v = positive ? rng.uniform(0.5, 1.5) : rng.uniform(-1.5, 1.5);
    while (!positive && (Math.abs(v) < 0.05 || Math.abs(Math.abs(v) - 0.5) < 0.05));
    data[i] = v;
  }
  return data;
}

/** `n` distinct values 0.02 apart in [-1.5, 1.5), in a seeded random order. */
function distinctValues(rng: Random, n: number): Float32Array {
  const values = Float32Array.from({ length: n }, (_, i) => -1.5 + (3 * (i + 0.5)) / n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform(0, i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return values;
}

function build(c: Case, rng: Random) {
  const b = new GraphBuilder();
  const xs = c.shapes.map((s, i) => b.input(`x${i}`, { dtype: 'f32', shape: s }));
  const ys = opRegistry.get(c.op)!.inferTypes ? b.multi(c.op, xs, c.attrs ?? {}) : [b.op(c.op, xs, c.attrs ?? {})];
  const used = c.used ?? ys.map((_, k) => k);
  const weights = used.map((k) => {
    const shape = concreteShape(ys[k]!.type.shape, 1);
    return { k, shape, r: sample(rng, shape, false) };
  });
  const terms = weights.map(({ k, r }) => b.op('reduce_sum', [b.op('mul', [ys[k]!, b.constant([...r], ys[k]!.type)])]));
  b.output('loss', terms.reduce((acc, t) => b.op('add', [acc, t])));
  return { graph: b.build(), weights };
}

function lossOf(graph: ReturnType<typeof build>['graph'], inputs: Record<string, Tensor>): number {
  return interpret(graph, inputs).loss!.data[0]!;
}

describe('op gradients', () => {
  beforeAll(() => tfjsReady());

  it('covers every differentiable op in the registry', () => {
    const tested = new Set(CASES.map((c) => c.op));
    const missing = [...opRegistry.keys()].filter((op) => !NOT_DIFFERENTIATED.has(op) && !tested.has(op));
    expect(missing).toEqual([]);
    for (const op of tested) expect(opRegistry.get(op)?.gradient ?? opRegistry.get(op)?.gradientResults, op).toBeDefined();
  });

  CASES.forEach((c, k) => {
    it(`${c.op} ${JSON.stringify(c.attrs ?? {})} ${JSON.stringify(c.shapes)}`, () => {
      const rng = new Random(100 + k);
      const { graph, weights } = build(c, rng);
      const data = c.shapes.map((s) => (c.distinct ? distinctValues(rng, s.reduce((p, d) => p * d, 1)) : sample(rng, s, c.positive ?? false)));
      if (c.seedOperand) data[data.length - 1] = Float32Array.of(1234);
      const allNames = c.shapes.map((_, i) => `x${i}`);
      const names = c.seedOperand ? allNames.slice(0, -1) : allNames;
      const inputs = Object.fromEntries(allNames.map((n, i) => [n, tensor(c.shapes[i]!, data[i]!)]));
      const grads = interpret(gradientGraph(graph, 'loss', names), inputs);

      // Where tfjs's gradient is not the oracle it is not computed (it may throw).
      const tfGrads = c.tfjsGradientDiffers ? [] : tf.tidy(() => {
        const rs = weights.map(({ k, shape, r }) => ({ k, t: tf.tensor(r, shape) }));
        const f = (...xs: tf.Tensor[]) => {
          const ys = [c.tf(...xs)].flat();
          return rs.map(({ k, t }) => tf.sum(tf.mul(ys[k]!, t))).reduce((a, s) => tf.add(a, s));
        };
        const xs = data.map((d, i) => tf.tensor(d, c.shapes[i]!));
        const fixed = xs.slice(names.length);
        return tf.grads((...vs: tf.Tensor[]) => f(...vs, ...fixed))(xs.slice(0, names.length)).map((g) => g.dataSync().slice());
      });

      names.forEach((name, i) => {
        const g = grads[`grad:${name}`]!.data;
        expect(g.length).toBe(data[i]!.length);
        for (let j = 0; j < g.length; j++) {
          const scale = Math.max(1, Math.abs(g[j]!));
          if (!c.tfjsGradientDiffers) expect(Math.abs(g[j]! - tfGrads[i]![j]!), `${name}[${j}] vs tfjs`).toBeLessThanOrEqual(1e-4 * scale);
          const h = 1e-3;
          const plus = data[i]!.slice();
          const minus = data[i]!.slice();
          plus[j]! += h;
          minus[j]! -= h;
          const fd =
            (lossOf(graph, { ...inputs, [name]: tensor(c.shapes[i]!, plus) }) - lossOf(graph, { ...inputs, [name]: tensor(c.shapes[i]!, minus) })) /
            (2 * h);
          expect(Math.abs(g[j]! - fd), `${name}[${j}] vs finite difference`).toBeLessThanOrEqual(3e-3 * scale);
        }
      });
    });
  });

  it('where: the gradient goes to a where the condition holds and to b elsewhere, each summed back to its shape', () => {
    const b = new GraphBuilder();
    const [p, x, y] = [b.input('p', { dtype: 'f32', shape: [3, 1] }), b.input('x', { dtype: 'f32', shape: [3, 4] }), b.input('y', { dtype: 'f32', shape: [4] })];
    const r = sample(new Random(9), [3, 4], false);
    const z = b.op('where', [b.op('greater', [p, b.constant([0], { dtype: 'f32', shape: [] })]), x, y]);
    b.output('loss', b.op('reduce_sum', [b.op('mul', [z, b.constant([...r], z.type)])]));
    const graph = b.build();
    const rng = new Random(10);
    const inputs = { p: tensor([3, 1], Float32Array.of(1, -1, 1)), x: tensor([3, 4], sample(rng, [3, 4], false)), y: tensor([4], sample(rng, [4], false)) };
    const grads = interpret(gradientGraph(graph, 'loss', ['x', 'y']), inputs);
    for (const name of ['x', 'y'] as const) {
      const g = grads[`grad:${name}`]!.data;
      const data = inputs[name].data as Float32Array;
      for (let j = 0; j < data.length; j++) {
        const h = 1e-3;
        const [plus, minus] = [data.slice(), data.slice()];
        plus[j]! += h;
        minus[j]! -= h;
        const fd = (lossOf(graph, { ...inputs, [name]: tensor(inputs[name].shape, plus) }) - lossOf(graph, { ...inputs, [name]: tensor(inputs[name].shape, minus) })) / (2 * h);
        expect(Math.abs(g[j]! - fd), `${name}[${j}] vs finite difference`).toBeLessThanOrEqual(3e-3 * Math.max(1, Math.abs(g[j]!)));
      }
    }
  });

  it('reduce_prod: lines with no zero, one zero and two zeros (the product is linear in each entry, so finite differences are exact)', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'f32', shape: [3, 4] });
    const r = sample(new Random(11), [3], false);
    b.output('loss', b.op('reduce_sum', [b.op('mul', [b.op('reduce_prod', [x], { axes: [1] }), b.constant([...r], { dtype: 'f32', shape: [3] })])]));
    const graph = b.build();
    const data = Float32Array.of(0.5, -1.25, 2, 0.75, 1.5, 0, -0.5, 2, 0, 1.25, 0, -1.5);
    const g = interpret(gradientGraph(graph, 'loss', ['x']), { x: tensor([3, 4], data) })['grad:x']!.data;
    expect(Array.from(g.slice(8), Math.abs)).toEqual([0, 0, 0, 0]);
    for (let j = 0; j < 12; j++) {
      const [plus, minus] = [data.slice(), data.slice()];
      plus[j]! += 0.5;
      minus[j]! -= 0.5;
      const fd = (lossOf(graph, { x: tensor([3, 4], plus) }) - lossOf(graph, { x: tensor([3, 4], minus) })) / 1;
      expect(Math.abs(g[j]! - fd), `x[${j}]`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(fd)));
    }
  });

  it('split: gradients of a result read twice add up on its projection; unread results pass zeros', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'f32', shape: [3, 5] });
    const [a, , c] = b.multi('split', [x], { axis: 1, sizes: [2, 1, 2] });
    // loss = sum(a * a) + sum(tanh(a)) + sum(c): result 1 gets no gradient.
    const loss = b.op('add', [b.op('add', [b.op('reduce_sum', [b.op('mul', [a!, a!])]), b.op('reduce_sum', [b.op('tanh', [a!])])]), b.op('reduce_sum', [c!])]);
    b.output('loss', loss);
    const graph = gradientGraph(b.build(), 'loss', ['x']);
    expect(graph.nodes.filter((n) => n.op === 'concat')).toHaveLength(1);
    const data = sample(new Random(7), [3, 5], false);
    const g = interpret(graph, { x: tensor([3, 5], data) })['grad:x']!.data;
    for (let i = 0; i < 15; i++) {
      const v = data[i]!;
      const col = i % 5;
      const want = col < 2 ? 2 * v + 1 - Math.tanh(v) ** 2 : col === 2 ? 0 : 1;
      expect(Math.abs(g[i]! - want), `grad[${i}]`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
    }
  });
  it('tanh and exp: the gradient reads the forward result instead of computing it again; a sum of parts is added as each part arrives', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'f32', shape: [2, 3] });
    const t = b.op('tanh', [x]);
    const e = b.op('exp', [x]);
    // x is read three times: its gradient is ((∂tanh + ∂exp) + ∂(x·x)), each add right after its part.
    b.output('loss', b.op('reduce_sum', [b.op('add', [b.op('add', [t, e]), b.op('mul', [x, x])])]));
    const graph = gradientGraph(b.build(), 'loss', ['x']);
    const backward = graph.nodes.filter((n) => n.op === 'elementwise');
    for (const n of backward) expect(String(n.attrs.expr)).not.toMatch(/tanh|exp/);
    const tanhGrad = backward.find((n) => n.attrs.expr === 'mul($0,sub(1,mul($1,$1)))');
    expect(tanhGrad?.inputs.map((i) => i.op)).toEqual(['unreduce', 'tanh']);
    expect(backward.find((n) => n.inputs.some((i) => i.op === 'exp'))?.attrs.expr).toBe('mul($0,$1)');
    const sums = graph.nodes.map((n, i) => [n, i] as const).filter(([n]) => n.op === 'add' && graph.nodes.indexOf(n) > graph.nodes.findIndex((u) => u.op === 'unreduce'));
    expect(sums).toHaveLength(3);
    for (const [add, i] of sums) expect(add.inputs).toContain(graph.nodes[i - 1]);
    const data = Float32Array.of(-2, -0.5, 0, 0.3, 1, 4);
    const g = interpret(graph, { x: tensor([2, 3], data) })['grad:x']!.data;
    data.forEach((v, i) => {
      const want = 1 - Math.tanh(v) ** 2 + Math.exp(v) + 2 * v;
      expect(Math.abs(g[i]! - want), `grad[${i}]`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want)));
    });
  });
});
