/** Small models covering depthwise_conv2d's variants (and SeparableConv2D, relu6, hardSigmoid), with non-zero biases. */
import { Random } from '../../src/frontend/random.js';
import { layers } from '../../src/frontend/layers/index.js';
import type { LayersModel } from '../../src/frontend/model.js';
import { sequential } from '../../src/frontend/sequential.js';
import type { ConvCase } from './conv2d-models.js';

/** Gives every bias seeded values in [-0.5, 0.5), so the epilogue's bias is exercised. */
export function withBiases(model: LayersModel): LayersModel {
  const rng = new Random(5);
  for (const layer of model.layers) for (const w of layer.weights) if (w.name.endsWith('/bias')) w.data = Float32Array.from(w.data, () => rng.uniform(-0.5, 0.5));
  return model;
}

const dw = (args: Parameters<typeof layers.depthwiseConv2d>[0]) => layers.depthwiseConv2d(args);

export const DEPTHWISE_CASES: readonly ConvCase[] = [
  { name: 'depthwise 3x3 valid, multiplier 1, bias, relu', make: () => sequential({ layers: [dw({ kernelSize: 3, activation: 'relu', inputShape: [9, 8, 6] })] }) },
  { name: 'depthwise 3x3 same stride 2, multiplier 2, no bias', make: () => sequential({ layers: [dw({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', useBias: false, inputShape: [9, 8, 5] })] }) },
  { name: 'depthwise 3x3 same, multiplier 3, bias, relu6', make: () => sequential({ layers: [dw({ kernelSize: 3, depthMultiplier: 3, padding: 'same', activation: 'relu6', inputShape: [7, 7, 4] })] }) },
  // tfjs-layers' DepthwiseConv2D ignores dilationRate (a TODO in its call()); its SeparableConv2D
  // honours it, and the op tests compare dilated depthwise_conv2d with tf.depthwiseConv2d.
  { name: 'separable 3x3 dilation 2 same, multiplier 3, bias, hardSigmoid', make: () => sequential({ layers: [layers.separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 3, dilationRate: 2, padding: 'same', activation: 'hardSigmoid', inputShape: [7, 7, 4] })] }) },
  { name: 'depthwise 2x3 strides [2, 1] valid, multiplier 4, tanh', make: () => sequential({ layers: [dw({ kernelSize: [2, 3], depthMultiplier: 4, strides: [2, 1], activation: 'tanh', inputShape: [6, 7, 3] })] }) },
  { name: 'depthwise 3x3 same, multiplier 1, hardSigmoid', make: () => sequential({ layers: [dw({ kernelSize: 3, padding: 'same', activation: 'hardSigmoid', inputShape: [5, 6, 9] })] }) },
  {
    name: 'separable 3x3 same, multiplier 2, relu6; ReLU(6); separable stride 2 no bias, softmax head',
    make: () =>
      sequential({
        layers: [
          layers.separableConv2d({ filters: 7, kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu6', inputShape: [8, 8, 3] }),
          layers.reLU({ maxValue: 6 }),
          layers.separableConv2d({ filters: 5, kernelSize: 3, strides: 2, useBias: false }),
          layers.flatten(),
          layers.dense({ units: 4, activation: 'softmax' }),
        ],
      }),
  },
  {
    name: 'MobileNet-like block: conv2d stride 2, depthwise + ReLU(6), pointwise conv2d, global pooling, softmax',
    make: () =>
      sequential({
        layers: [
          layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, inputShape: [12, 12, 3] }),
          layers.reLU({ maxValue: 6 }),
          dw({ kernelSize: 3, padding: 'same', useBias: false }),
          layers.reLU({ maxValue: 6 }),
          layers.conv2d({ filters: 16, kernelSize: 1, activation: 'relu6' }),
          dw({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, activation: 'relu6' }),
          layers.globalAveragePooling2d(),
          layers.dense({ units: 5, activation: 'softmax' }),
        ],
      }),
  },
].map((c) => ({ name: c.name, make: () => withBiases(c.make()) }));
