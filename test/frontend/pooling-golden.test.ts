/**
 * Pooling and padding layers against tfjs (cpu backend) on the same inputs, through the
 * reference interpreter, the wasm bundle (its relaxed-SIMD, SIMD128 and scalar builds) and the
 * WebGPU bundle (Dawn on SwiftShader), at batch 1, 7 and 64 (expectBackendsMatchTfjs; every
 * output here is of magnitude ≤ 1, so its scaled tolerance is the absolute one). Max pooling and
 * zero padding pick inputs, so they are exact;
 * averages sum in float32 where tfjs sums in float64: ≤ 1e-6 absolute for pooling-only models
 * (inputs in [-1, 1)), 1e-5 for the model with a dense layer (a 100-term dot product, as the
 * fixtures' goldens). keepdims (Keras 2.6+) is an argument tfjs-layers lacks: its twin is tfjs'
 * own global pooling followed by a tfjs Reshape to the kept shape (test/helpers/tfjs-twin.ts).
 */
import { afterAll, describe, it } from 'vitest';
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

/** [6, 5, 8] scaled per channel by a gate computed from its mean: the kept [1, 1, 8] broadcasts over the image. */
const squeezeExcite = () => {
  const x = input({ shape: [6, 5, 8] });
  const squeezed = layers.globalAveragePooling2d({ keepdims: true }).apply(x);
  const hidden = layers.conv2d({ filters: 3, kernelSize: 1, activation: 'relu' }).apply(squeezed);
  const gate = layers.conv2d({ filters: 8, kernelSize: 1, activation: 'sigmoid' }).apply(hidden);
  return model({ inputs: x, outputs: layers.multiply().apply([x, gate]) });
};

const CASES: readonly Case[] = [
  { name: 'max pool 2, strides 2, valid, 7x7x3', make: chain([7, 7, 3], layers.maxPooling2d({ poolSize: 2 })), tolerance: 0 },
  { name: 'max pool 3, strides 1, same, 6x5x4', make: chain([6, 5, 4], layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same' })), tolerance: 0 },
  { name: 'max pool [3,2], strides [2,1], same, 5x7x6', make: chain([5, 7, 6], layers.maxPooling2d({ poolSize: [3, 2], strides: [2, 1], padding: 'same' })), tolerance: 0 },
  { name: 'avg pool 3, strides 2, same, 7x6x5', make: chain([7, 6, 5], layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })), tolerance: 1e-6 },
  { name: 'avg pool 2, strides 1, valid, 5x5x2', make: chain([5, 5, 2], layers.averagePooling2d({ poolSize: 2, strides: 1 })), tolerance: 1e-6 },
  { name: 'avg pool 2, strides 2, same, 5x5x9', make: chain([5, 5, 9], layers.averagePooling2d({ padding: 'same' })), tolerance: 1e-6 },
  {
    name: 'zero padding [[1,2],[0,1]], max pool same, global average',
    make: chain([5, 4, 3], layers.zeroPadding2d({ padding: [[1, 2], [0, 1]] }), layers.maxPooling2d({ padding: 'same' }), layers.globalAveragePooling2d()),
    tolerance: 1e-6,
  },
  { name: 'global max pooling, 5x6x7', make: chain([5, 6, 7], layers.globalMaxPooling2d()), tolerance: 0 },
  { name: 'global max pooling keepdims, 5x6x7 -> 1x1x7', make: chain([5, 6, 7], layers.globalMaxPooling2d({ keepdims: true })), tolerance: 0 },
  { name: 'global average pooling keepdims, 4x7x3 -> 1x1x3', make: chain([4, 7, 3], layers.globalAveragePooling2d({ keepdims: true })), tolerance: 1e-6 },
  { name: 'a squeeze-excite gate: global average keepdims, 1x1 convs, times the input', make: squeezeExcite, tolerance: 1e-5 },
  {
    name: 'a small CNN head: zero padding 1, max pool, flatten, dense softmax',
    make: chain([8, 8, 4], layers.zeroPadding2d(), layers.maxPooling2d(), layers.flatten(), layers.dense({ units: 10, activation: 'softmax' })),
    tolerance: 1e-5,
  },
];

const BATCHES = [1, 7, 64];

describe('pooling layers vs tfjs', () => {
  afterAll(removeTempDirs);

  for (const c of CASES)
    it(`${c.name}: interpreter, wasm (relaxed SIMD, SIMD128, scalar) and webgpu equal tfjs`, async () => {
      await expectBackendsMatchTfjs(c.make(), BATCHES, c.tolerance);
    });
});
