/**
 * Keras-style models whose batch norm follows a depthwise or a transposed convolution (MobileNet's
 * depthwise → BN → ReLU(6) block; a decoder's up-convolution), with seeded biases and statistics,
 * for the fold pass's golden test against tfjs.
 */
import type { Layer } from '../../src/frontend/layer.js';
import { layers } from '../../src/frontend/layers/index.js';
import type { LayersModel } from '../../src/frontend/model.js';
import { sequential } from '../../src/frontend/sequential.js';
import { withBiases } from '../conv/depthwise-models.js';
import { randomizeBatchNorms } from '../norm/batch-norm-models.js';

export interface FoldCase {
  readonly name: string;
  readonly make: () => LayersModel;
  /** The op the batch norm folds into. */
  readonly product: 'depthwise_conv2d' | 'conv2d_grad_input';
  /**
   * The activation the depthwise kernel's epilogue ends with once fused; undefined for
   * conv2d_grad_input, which has no epilogue, so its (folded) bias add stays elementwise.
   */
  readonly epilogue?: string;
}

/** product → BatchNormalization → after, layers made afresh on each call. */
const afterProduct = (product: () => Layer, ...after: (() => Layer)[]) => () =>
  randomizeBatchNorms(withBiases(sequential({ layers: [product(), layers.batchNormalization(), ...after.map((l) => l())] })));

const dw = (args: Parameters<typeof layers.depthwiseConv2d>[0]) => () => layers.depthwiseConv2d(args);
const deconv = (args: Parameters<typeof layers.conv2dTranspose>[0]) => () => layers.conv2dTranspose(args);

export const FOLD_CASES: readonly FoldCase[] = [
  {
    name: 'depthwise 3x3 same, multiplier 1, bias → BN → ReLU(6)',
    make: afterProduct(dw({ kernelSize: 3, padding: 'same', inputShape: [6, 6, 3] }), () => layers.reLU({ maxValue: 6 })),
    product: 'depthwise_conv2d',
    epilogue: 'relu6',
  },
  {
    name: 'depthwise 3x3 same stride 2, multiplier 2, no bias → BN',
    make: afterProduct(dw({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, useBias: false, inputShape: [7, 7, 3] })),
    product: 'depthwise_conv2d',
    epilogue: 'linear',
  },
  {
    name: 'depthwise 2x3 valid, multiplier 2, bias → BN → relu6 activation',
    make: afterProduct(dw({ kernelSize: [2, 3], depthMultiplier: 2, inputShape: [5, 6, 4] }), () => layers.activation({ activation: 'relu6' })),
    product: 'depthwise_conv2d',
    epilogue: 'relu6',
  },
  {
    name: 'conv2dTranspose 3x3 stride 2 same, bias → BN → ReLU',
    make: afterProduct(deconv({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', inputShape: [4, 4, 3] }), () => layers.reLU()),
    product: 'conv2d_grad_input',
  },
  {
    name: 'conv2dTranspose 2x2 stride 2 valid, no bias → BN',
    make: afterProduct(deconv({ filters: 5, kernelSize: 2, strides: 2, useBias: false, inputShape: [3, 4, 2] })),
    product: 'conv2d_grad_input',
  },
];
