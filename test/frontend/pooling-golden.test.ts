/**
 * Pooling and padding layers against tfjs (cpu backend) on the same inputs, through the
 * reference interpreter, the wasm bundle (SIMD and scalar) and the WebGPU bundle (Dawn on
 * SwiftShader), at batch 1, 7 and 64. Max pooling and zero padding pick inputs, so they are exact;
 * averages sum in float32 where tfjs sums in float64: ≤ 1e-6 absolute for pooling-only models
 * (inputs in [-1, 1)), 1e-5 for the model with a dense layer (a 100-term dot product, as the
 * fixtures' goldens).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { layers } from '../../src/frontend/layers/index.js';
import { input } from '../../src/frontend/layers/input-layer.js';
import { model, type LayersModel } from '../../src/frontend/model.js';
import { interpret } from '../../src/ir/interpreter.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { tfjsPredict } from '../helpers/tfjs-twin.js';
import { buildWebGpuBundle, byName, dawnGpu, predictInput } from '../helpers/webgpu.js';
import { buildWasmBundle, outputsByName, predictArgument } from '../wasm/bundle-helpers.js';
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
    it(`${c.name}: interpreter, wasm and webgpu equal tfjs`, async () => {
      const m = c.make();
      const graph = m.toGraph();
      const wasm = await (await buildWasmBundle(graph)).import();
      const builds = [await wasm.load(), await wasm.load({ simd: false })];
      const gpu = await (await (await buildWebGpuBundle(graph)).import()).load({ gpu: await dawnGpu() });
      try {
        for (const batch of BATCHES) {
          const { tensors, flat } = randomInputs(graph, batch, batch);
          const tfjs = await tfjsPredict(m, flat, batch);
          const results: Record<string, Record<string, ArrayLike<number>>> = {
            interpreter: Object.fromEntries(Object.entries(interpret(graph, tensors)).map(([k, t]) => [k, t.data])),
            'wasm simd': outputsByName(builds[0]!.predict(predictArgument(flat), batch), m.outputNames),
            'wasm scalar': outputsByName(builds[1]!.predict(predictArgument(flat), batch), m.outputNames),
            webgpu: byName(await gpu.predict(predictInput(graph, flat), batch), m.outputNames),
          };
          for (const [backend, outs] of Object.entries(results))
            for (const name of m.outputNames)
              expect(maxAbsDiff(outs[name]!, tfjs[name]!), `${backend}, batch ${batch}`).toBeLessThanOrEqual(c.tolerance);
        }
      } finally {
        gpu.dispose();
      }
    });
});
