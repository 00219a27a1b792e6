/** conv2d followed by 2-D pooling in the forms the fuse pass folds into one kernel (the conv's `pool` epilogue). */
import { layers } from '../../src/frontend/layers/index.js';
import { sequential } from '../../src/frontend/sequential.js';
import { withBiases, type ConvCase } from './conv2d-models.js';

const conv = (args: Parameters<typeof layers.conv2d>[0]) => layers.conv2d(args);

export const CONV_POOL_CASES: readonly ConvCase[] = [
  {
    // The Fashion-MNIST CNN's first block: one channel (the direct kernel), 2x2 max pooling.
    name: '3x3 one channel, relu, max pool 2',
    make: () => sequential({ layers: [conv({ filters: 6, kernelSize: 3, activation: 'relu', inputShape: [11, 10, 1] }), layers.maxPooling2d({ poolSize: 2 })] }),
  },
  {
    // Overlapping windows that do not divide the conv output (9x8 -> 4x3), 3 filters (a tail of lanes).
    name: '3x3 same, tanh, max pool 3 stride 2 valid',
    make: () => sequential({ layers: [conv({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh', inputShape: [9, 8, 2] }), layers.maxPooling2d({ poolSize: 3, strides: 2 })] }),
  },
  {
    // k = 36 (the GEMM form per image), 'same' pooling padding on an odd output (7x5 -> 4x3).
    name: '3x3 stride 1 valid, relu, avg pool 2 same',
    make: () => sequential({ layers: [conv({ filters: 5, kernelSize: 3, activation: 'relu', inputShape: [9, 7, 4] }), layers.averagePooling2d({ poolSize: 2, padding: 'same' })] }),
  },
  {
    // A strided conv with 'same' padding (the direct kernel's padding checks), then max pool 2 same.
    name: '3x3 stride 2 same, linear, max pool 2 same',
    make: () => sequential({ layers: [conv({ filters: 9, kernelSize: 3, strides: 2, padding: 'same', inputShape: [9, 9, 3] }), layers.maxPooling2d({ poolSize: 2, padding: 'same' })] }),
  },
  {
    // A 1x1 conv over 40 channels (the GEMM reads x in place), sigmoid (applied over the tile, not in registers), avg pool 3 stride 1.
    name: '1x1 pointwise, sigmoid, avg pool 3 stride 1',
    make: () => sequential({ layers: [conv({ filters: 4, kernelSize: 1, activation: 'sigmoid', inputShape: [5, 6, 40] }), layers.averagePooling2d({ poolSize: 3, strides: 1 })] }),
  },
  {
    name: 'Fashion-MNIST CNN (two conv + pool blocks, dense)',
    make: () =>
      sequential({
        layers: [
          conv({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [14, 14, 1] }),
          layers.maxPooling2d({ poolSize: 2 }),
          conv({ filters: 12, kernelSize: 3, activation: 'relu' }),
          layers.maxPooling2d({ poolSize: 2 }),
          layers.flatten(),
          layers.dense({ units: 10, activation: 'softmax' }),
        ],
      }),
  },
].map((c) => ({ name: c.name, make: () => withBiases(c.make()) }));
