/**
 * The 1-D CNN layers, Cropping2D and the Average / Maximum / Minimum merges against tfjs (cpu
 * backend) with the same weights, through the reference interpreter, the wasm bundle (SIMD and
 * scalar) and the WebGPU bundle, at batch 1, 7 and 64. Layers that pick inputs (max pooling,
 * padding, cropping, maximum, minimum) are exact; sums (convolutions, averages) within 1e-5 of
 * the output's scale (f32 sums in another order; tfjs' cpu pooling sums in float64).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { layers } from '../../src/frontend/layers/index.js';
import { input } from '../../src/frontend/layers/input-layer.js';
import { model, type LayersModel } from '../../src/frontend/model.js';
import { expectBackendsMatchTfjs } from '../helpers/backends-vs-tfjs.js';
import { removeTempDirs } from '../wasm/temp.js';

interface Case {
  readonly name: string;
  readonly make: () => LayersModel;
  readonly tolerance: number;
}

const chain = (shape: number[], ...stack: { apply: (x: never) => unknown }[]) => () => {
  const x = input({ shape });
  const y = stack.reduce<unknown>((t, l) => l.apply(t as never), x);
  return model({ inputs: x, outputs: y as typeof x });
};

/** A merge of inputs of the given shapes. */
const merge = (make: () => { apply: (xs: never) => unknown }, ...shapes: number[][]) => () => {
  const xs = shapes.map((shape) => input({ shape }));
  return model({ inputs: xs, outputs: make().apply(xs as never) as (typeof xs)[number] });
};

const SUM = 1e-5;

const CASES: readonly Case[] = [
  { name: 'conv1d k3 valid, 10x4 -> 6 filters', make: chain([10, 4], layers.conv1d({ filters: 6, kernelSize: 3 })), tolerance: SUM },
  { name: 'conv1d k4 same strides 2 relu, no bias', make: chain([11, 3], layers.conv1d({ filters: 5, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu', useBias: false })), tolerance: SUM },
  { name: 'conv1d k3 causal dilation 2 tanh', make: chain([9, 2], layers.conv1d({ filters: 4, kernelSize: 3, padding: 'causal', dilationRate: 2, activation: 'tanh' })), tolerance: SUM },
  { name: 'conv1d k2 causal strides 3', make: chain([10, 3], layers.conv1d({ filters: 3, kernelSize: [2], strides: [3], padding: 'causal' })), tolerance: SUM },
  { name: 'conv1d k3 same dilation 3', make: chain([12, 5], layers.conv1d({ filters: 7, kernelSize: 3, padding: 'same', dilationRate: 3 })), tolerance: SUM },
  { name: 'max pooling1d default (2), 9x3', make: chain([9, 3], layers.maxPooling1d()), tolerance: 0 },
  { name: 'max pooling1d 3 strides 1 same, 7x4', make: chain([7, 4], layers.maxPooling1d({ poolSize: 3, strides: 1, padding: 'same' })), tolerance: 0 },
  { name: 'average pooling1d 3 strides 2 same, 8x5', make: chain([8, 5], layers.averagePooling1d({ poolSize: 3, strides: 2, padding: 'same' })), tolerance: SUM },
  { name: 'average pooling1d [2] valid, 7x2', make: chain([7, 2], layers.averagePooling1d({ poolSize: [2] })), tolerance: SUM },
  { name: 'global average pooling1d, 9x6', make: chain([9, 6], layers.globalAveragePooling1d()), tolerance: SUM },
  { name: 'global max pooling1d, 9x6', make: chain([9, 6], layers.globalMaxPooling1d()), tolerance: 0 },
  // keepdims ([N, 1, C]): tfjs-layers lacks it, so the twin is tfjs' pooling then a tfjs Reshape (tfjs-twin.ts).
  { name: 'global max pooling1d keepdims, 9x6 -> 1x6', make: chain([9, 6], layers.globalMaxPooling1d({ keepdims: true })), tolerance: 0 },
  { name: 'global average pooling1d keepdims, then conv1d k1, 7x5', make: chain([7, 5], layers.globalAveragePooling1d({ keepdims: true }), layers.conv1d({ filters: 3, kernelSize: 1 })), tolerance: SUM },
  { name: 'zero padding1d default (1), 5x3', make: chain([5, 3], layers.zeroPadding1d()), tolerance: 0 },
  { name: 'zero padding1d [2, 0] then conv1d valid', make: chain([6, 3], layers.zeroPadding1d({ padding: [2, 0] }), layers.conv1d({ filters: 2, kernelSize: 3 })), tolerance: SUM },
  { name: 'cropping2d 1, 6x5x2', make: chain([6, 5, 2], layers.cropping2d({ cropping: 1 })), tolerance: 0 },
  { name: 'cropping2d [2, 0], 7x4x3', make: chain([7, 4, 3], layers.cropping2d({ cropping: [2, 0] })), tolerance: 0 },
  { name: 'cropping2d [[0, 2], [1, 3]], 5x8x2', make: chain([5, 8, 2], layers.cropping2d({ cropping: [[0, 2], [1, 3]] })), tolerance: 0 },
  { name: 'average of 2, [4, 3]', make: merge(() => layers.average(), [4, 3], [4, 3]), tolerance: SUM },
  { name: 'average of 3, broadcast [4, 3] [1, 3] [4, 1]', make: merge(() => layers.average(), [4, 3], [1, 3], [4, 1]), tolerance: SUM },
  { name: 'maximum of 2, [6]', make: merge(() => layers.maximum(), [6], [6]), tolerance: 0 },
  { name: 'maximum of 3, broadcast [2, 5] [1, 5] [2, 5]', make: merge(() => layers.maximum(), [2, 5], [1, 5], [2, 5]), tolerance: 0 },
  { name: 'minimum of 4, [3, 2]', make: merge(() => layers.minimum(), [3, 2], [3, 2], [3, 2], [3, 2]), tolerance: 0 },
  {
    name: 'a small 1-D CNN: conv1d causal, max pool, conv1d same, global average, dense',
    make: chain(
      [16, 3],
      layers.conv1d({ filters: 8, kernelSize: 3, padding: 'causal', activation: 'relu' }),
      layers.maxPooling1d(),
      layers.conv1d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }),
      layers.globalAveragePooling1d(),
      layers.dense({ units: 4, activation: 'softmax' }),
    ),
    tolerance: SUM,
  },
];

describe('1-D layers, cropping2d and merges vs tfjs', () => {
  afterAll(removeTempDirs);

  for (const c of CASES)
    it(`${c.name}: interpreter, wasm (simd, scalar) and webgpu equal tfjs at batch 1, 7, 64`, async () => {
      const worst = await expectBackendsMatchTfjs(c.make(), [1, 7, 64], c.tolerance);
      expect(worst).toBeLessThanOrEqual(c.tolerance);
    });
});
