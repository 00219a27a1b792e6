/**
 * Training through the 1-D layers, Cropping2D, the Average / Maximum / Minimum merges and the
 * global poolings with keepdims (the twin reshapes tfjs' pooled [N, C]: tfjs lacks keepdims): the
 * gradient of a mean-squared-error loss with respect to every weight, from the reference
 * interpreter and from the wasm training executor, against tfjs's tf.variableGrads on the twin
 * model with the same weights (|Δ| ≤ 1e-5 · max(1e-3, max |g|) per weight tensor: float32 sums in
 * another order); then one SGD step's new weights against w − lr · g from tfjs. Ties of maximum /
 * minimum give the gradient to the first operand, as tfjs does. tfjs has no gradient of a dilated
 * convolution: a dilated causal Conv1D is checked against central finite differences instead.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { layers } from '../../src/frontend/layers/index.js';
import { input } from '../../src/frontend/layers/input-layer.js';
import { model, type LayersModel } from '../../src/frontend/model.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import { interpret } from '../../src/ir/interpreter.js';
import { tensor } from '../../src/ir/tensor.js';
import { gradientGraph } from '../../src/train/autodiff.js';
import { describeGradientsVsTfjs, expectGradientsMatchFiniteDifferences } from '../helpers/gradients-vs-tfjs.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';

const BATCH = 5;
const TOLERANCE = 1e-5;

/** conv1d (causal; same, strided), both 1-D poolings, zero padding, global max pooling, dense. */
function conv1dModel(): LayersModel {
  const x = input({ shape: [12, 3] });
  let y = layers.conv1d({ filters: 4, kernelSize: 3, padding: 'causal', activation: 'relu' }).apply(x);
  y = layers.conv1d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }).apply(y);
  y = layers.maxPooling1d({ poolSize: 2, strides: 1 }).apply(y);
  y = layers.zeroPadding1d({ padding: [1, 2] }).apply(y);
  y = layers.averagePooling1d({ poolSize: 2, padding: 'same' }).apply(y);
  y = layers.conv1d({ filters: 3, kernelSize: 2 }).apply(y);
  const a = layers.globalMaxPooling1d().apply(y);
  const b = layers.globalAveragePooling1d().apply(y);
  return model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(layers.concatenate().apply([a, b])) });
}

/**
 * The global poolings with keepdims, whose gradients flow back through the kept axes: a 1-D
 * average and a 2-D max (channels-first) into 1x1 convolutions, and a squeeze-excite gate.
 */
function keepdimsModel(): LayersModel {
  const seq = input({ shape: [7, 3] });
  const steps = layers.conv1d({ filters: 4, kernelSize: 2, activation: 'tanh' }).apply(seq);
  const pooled = layers.conv1d({ filters: 2, kernelSize: 1 }).apply(layers.globalAveragePooling1d({ keepdims: true }).apply(steps));
  const img = input({ shape: [2, 5, 4] });
  const maps = layers.conv2d({ filters: 3, kernelSize: 2, dataFormat: 'channelsFirst' }).apply(img);
  const peak = layers.globalMaxPooling2d({ dataFormat: 'channelsFirst', keepdims: true }).apply(maps);
  const gate = layers.conv2d({ filters: 3, kernelSize: 1, activation: 'sigmoid', dataFormat: 'channelsFirst' }).apply(peak);
  return model({ inputs: [seq, img], outputs: [pooled, layers.multiply().apply([maps, gate])] });
}

/** Cropping2D into a conv, and the three merges over dense branches (tfjs's Maximum gradient does not handle broadcasting: op-gradients checks that by finite differences). */
function mergeModel(): LayersModel {
  const img = input({ shape: [7, 6, 2] });
  const cropped = layers.cropping2d({ cropping: [[1, 2], [0, 1]] }).apply(img);
  const features = layers.flatten().apply(layers.conv2d({ filters: 2, kernelSize: 2 }).apply(cropped));
  const branch = () => layers.dense({ units: 4, activation: 'tanh' }).apply(features);
  const [p, q, r] = [branch(), branch(), branch()];
  const max = layers.maximum().apply([layers.dense({ units: 4 }).apply(features), p]);
  const min = layers.minimum().apply([p, q, r]);
  const avg = layers.average().apply([p, q, r]);
  return model({ inputs: img, outputs: [layers.dense({ units: 3 }).apply(layers.concatenate().apply([max, min, avg]))] });
}

describeGradientsVsTfjs(
  [
  { name: 'a small Conv1D model', make: conv1dModel },
  { name: 'cropping2d and the average / maximum / minimum merges', make: mergeModel },
  { name: 'global poolings with keepdims (1-D average, channels-first 2-D max gating its input)', make: keepdimsModel },
],
  BATCH,
  TOLERANCE,
);

describe('maximum / minimum ties', () => {
  beforeAll(() => tfjsReady());

  it.each(['maximum', 'minimum'] as const)('%s gives a tie gradient to the first operand, as tfjs does', (op) => {
    const b = new GraphBuilder();
    const [x, y] = [b.input('a', { dtype: 'f32', shape: [6] }), b.input('b', { dtype: 'f32', shape: [6] })];
    const r = b.constant([1, 2, 3, 4, 5, 6], { dtype: 'f32', shape: [6] });
    b.output('loss', b.op('reduce_sum', [b.op('mul', [b.op(op, [x, y]), r])]));
    // Ties at 0, 2 and 4; a larger / smaller elsewhere.
    const a = Float32Array.of(0.5, 1, -2, 3, 0, -1);
    const c = Float32Array.of(0.5, 2, -2, 1, 0, 4);
    const grads = interpret(gradientGraph(b.build(), 'loss', ['a', 'b']), { a: tensor([6], a), b: tensor([6], c) });
    const [ga, gb] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf[op](p, q), tf.tensor1d([1, 2, 3, 4, 5, 6]))))([tf.tensor1d(a), tf.tensor1d(c)]);
    expect(Array.from(grads['grad:a']!.data)).toEqual(Array.from(ga!.dataSync()));
    expect(Array.from(grads['grad:b']!.data)).toEqual(Array.from(gb!.dataSync()));
    // The ties (0, 2, 4) went to a.
    for (const k of [0, 2, 4]) expect([grads['grad:a']!.data[k], grads['grad:b']!.data[k]]).toEqual([k + 1, 0]);
  });
});

describe('a dilated causal Conv1D: gradients vs finite differences', () => {
  it('the kernel and bias gradients agree with central differences (step 1e-3, |Δ| ≤ 3e-3 · max(1, |g|))', () => {
    const x = input({ shape: [9, 2] });
    expectGradientsMatchFiniteDifferences(model({ inputs: x, outputs: layers.conv1d({ filters: 3, kernelSize: 3, padding: 'causal', dilationRate: 2, activation: 'tanh' }).apply(x) }), 3e-3);
  });
});
