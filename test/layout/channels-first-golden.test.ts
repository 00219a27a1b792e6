/**
 * channelsFirst image layers and Permute against tfjs (cpu backend, which computes these layers
 * channels-first itself), through the interpreter, the wasm bundle (relaxed-SIMD, SIMD128 and
 * scalar builds) and the WebGPU bundle, at batch 1, 7 and 64. Max pooling, padding, cropping,
 * nearest up-sampling and permutations move values (exact); convolutions, bilinear up-sampling,
 * batch norms and averages compute in a different order than tfjs: ≤ 1e-5 absolute (inputs and weights of magnitude ≤ 1,
 * at most 3·3·6 = 54-term sums). A batch norm off the last axis runs in tfjs through the twin's
 * tfjsBatchNormalization (tfjs' cpu kernel normalizes the last axis whatever the layer's: see it).
 * Then the layers' summary rows and configs against tfjs', and the
 * optimized graph of a channels-first decoder: the transposes between its layers cancel.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { layers } from '../../src/frontend/layers/index.js';
import { input } from '../../src/frontend/layers/input-layer.js';
import { model, type LayersModel } from '../../src/frontend/model.js';
import { interpret } from '../../src/ir/interpreter.js';
import { optimize } from '../../src/passes/index.js';
import { expectConfigsMatchTfjs } from '../helpers/config-vs-tfjs.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { summaryRowsWithTfjs } from '../helpers/summary-rows.js';
import { tfjsPredict } from '../helpers/tfjs-twin.js';
import { buildWebGpuBundle, byName, dawnGpu, predictInput } from '../helpers/webgpu.js';
import { buildWasmBundle, loadEveryBuild, outputsByName, predictArgument } from '../wasm/bundle-helpers.js';
import { removeTempDirs } from '../wasm/temp.js';
import { randomizeBatchNorms } from '../norm/batch-norm-models.js';

const chain = (shape: number[], ...stack: { apply: (x: never) => unknown }[]) => () => {
  const x = input({ shape });
  const y = stack.reduce<unknown>((t, l) => l.apply(t as never), x);
  return model({ inputs: x, outputs: y as typeof x });
};

const cf = 'channelsFirst' as const;

/**
 * An NCHW decoder: every layer channels-first, a batch norm on axis 1 (statistics randomized),
 * [3, 4, 5] in, [2, 14, 8] out.
 */
const decoder = () =>
  randomizeBatchNorms(
    chain(
      [3, 4, 5],
      layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', dataFormat: cf }),
      layers.batchNormalization({ axis: 1 }),
      layers.reLU(),
      layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, dataFormat: cf, biasInitializer: 'ones' }),
      layers.upSampling2d({ size: [2, 1], dataFormat: cf }),
      layers.cropping2d({ cropping: [[2, 1], [0, 1]], dataFormat: cf }),
      layers.conv2d({ filters: 2, kernelSize: [2, 3], dataFormat: cf }),
    )(),
  );

const CASES: readonly { name: string; make: () => LayersModel; tolerance: number }[] = [
  { name: 'conv2d 3x3 same, strides 2, relu, 5x9x8', make: chain([5, 9, 8], layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', dataFormat: cf, biasInitializer: 'ones' })), tolerance: 1e-5 },
  { name: 'conv2d [2,3] valid, dilation 2, no bias, 3x8x9', make: chain([3, 8, 9], layers.conv2d({ filters: 5, kernelSize: [2, 3], dilationRate: 2, useBias: false, dataFormat: cf })), tolerance: 1e-5 },
  { name: 'max pool 3, strides 2, same, 4x7x6', make: chain([4, 7, 6], layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', dataFormat: cf })), tolerance: 0 },
  { name: 'avg pool 2, valid, 3x5x5', make: chain([3, 5, 5], layers.averagePooling2d({ dataFormat: cf })), tolerance: 1e-6 },
  { name: 'zero padding [[1,0],[2,1]], global max', make: chain([3, 4, 5], layers.zeroPadding2d({ padding: [[1, 0], [2, 1]], dataFormat: cf }), layers.globalMaxPooling2d({ dataFormat: cf })), tolerance: 0 },
  { name: 'global average, 6x4x5', make: chain([6, 4, 5], layers.globalAveragePooling2d({ dataFormat: cf })), tolerance: 1e-6 },
  // keepdims: [N, 6, 1, 1]; tfjs-layers lacks it, so the twin reshapes tfjs' [N, 6] (tfjs-twin.ts).
  { name: 'global average keepdims, 6x4x5, then a 1x1 conv', make: chain([6, 4, 5], layers.globalAveragePooling2d({ dataFormat: cf, keepdims: true }), layers.conv2d({ filters: 3, kernelSize: 1, dataFormat: cf })), tolerance: 1e-5 },
  { name: 'global max keepdims, 3x4x5', make: chain([3, 4, 5], layers.globalMaxPooling2d({ dataFormat: cf, keepdims: true })), tolerance: 0 },
  { name: 'depthwise 3x3 same, multiplier 2, strides 2, relu6, 3x7x6', make: chain([3, 7, 6], layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu6', dataFormat: cf, biasInitializer: 'ones' })), tolerance: 1e-5 },
  // tfjs-layers 4.22's channels-first SeparableConv2D adds its bias as [1, C, 1, 1] to the NHWC
  // result (a broadcast error), so the twin runs without a bias; the bias path is conv2d's, tested above.
  { name: 'separable [2,3] valid, 4 filters, no bias, 2x6x7', make: chain([2, 6, 7], layers.separableConv2d({ filters: 4, kernelSize: [2, 3], depthMultiplier: 2, useBias: false, dataFormat: cf })), tolerance: 1e-5 },
  { name: 'permute [3,1,2]', make: chain([3, 4, 5], layers.permute({ dims: [3, 1, 2] })), tolerance: 0 },
  { name: 'conv2dTranspose 3x3 same, strides 2, relu, 4x5x6', make: chain([4, 5, 6], layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', dataFormat: cf, biasInitializer: 'ones' })), tolerance: 1e-5 },
  { name: 'conv2dTranspose [2,3] valid, strides [1,2], no bias, 3x4x5', make: chain([3, 4, 5], layers.conv2dTranspose({ filters: 5, kernelSize: [2, 3], strides: [1, 2], useBias: false, dataFormat: cf })), tolerance: 1e-5 },
  { name: 'upSampling2d nearest [2,3], 3x4x5', make: chain([3, 4, 5], layers.upSampling2d({ size: [2, 3], dataFormat: cf })), tolerance: 0 },
  { name: 'upSampling2d bilinear 2, 2x5x4', make: chain([2, 5, 4], layers.upSampling2d({ interpolation: 'bilinear', dataFormat: cf })), tolerance: 1e-6 },
  { name: 'cropping2d [[1,0],[2,1]], 3x6x7', make: chain([3, 6, 7], layers.cropping2d({ cropping: [[1, 0], [2, 1]], dataFormat: cf })), tolerance: 0 },
  { name: 'batch norm axis 1 of an NCHW input, 3x4x5', make: () => randomizeBatchNorms(chain([3, 4, 5], layers.batchNormalization({ axis: 1 }))()), tolerance: 1e-5 },
  { name: 'batch norm axis -2 of [4, 3] (axis 1), epsilon 0.01', make: () => randomizeBatchNorms(chain([4, 3], layers.batchNormalization({ axis: -2, epsilon: 0.01 }))()), tolerance: 1e-5 },
  { name: 'NCHW decoder: conv, batch norm axis 1, reLU, conv2dTranspose, upSampling2d, cropping2d, conv', make: decoder, tolerance: 1e-5 },
  {
    name: 'NCHW CNN: conv relu, conv, max pool, flatten, dense',
    make: chain(
      [3, 10, 10],
      layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', dataFormat: cf }),
      layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', dataFormat: cf }),
      layers.maxPooling2d({ dataFormat: cf }),
      layers.flatten(),
      layers.dense({ units: 5 }),
    ),
    tolerance: 1e-5,
  },
];

describe('channelsFirst layers vs tfjs', () => {
  afterAll(removeTempDirs);

  for (const c of CASES)
    it(`${c.name}: interpreter, wasm (relaxed SIMD, SIMD128, scalar) and webgpu equal tfjs`, async () => {
      const m = c.make();
      const graph = m.toGraph();
      const builds = await loadEveryBuild(await (await buildWasmBundle(graph)).import());
      const gpu = await (await (await buildWebGpuBundle(graph)).import()).load({ gpu: await dawnGpu() });
      try {
        for (const batch of [1, 7, 64]) {
          const { tensors, flat } = randomInputs(graph, batch, batch);
          const tfjs = await tfjsPredict(m, flat, batch);
          const results: Record<string, Record<string, ArrayLike<number>>> = {
            interpreter: Object.fromEntries(Object.entries(interpret(graph, tensors)).map(([k, t]) => [k, t.data])),
            ...Object.fromEntries(builds.map(({ name, model: build }) => [name, outputsByName(build.predict(predictArgument(flat), batch), m.outputNames)])),
            webgpu: byName(await gpu.predict(predictInput(graph, flat), batch), m.outputNames),
          };
          for (const [backend, outs] of Object.entries(results))
            for (const name of m.outputNames) expect(maxAbsDiff(outs[name]!, tfjs[name]!), `${backend}, batch ${batch}`).toBeLessThanOrEqual(c.tolerance);
        }
      } finally {
        gpu.dispose();
      }
    });
});

describe('channelsFirst layers: summary, config and layout', () => {
  it("summary() rows (output shapes, parameters) and getConfig() keys equal tfjs'", async () => {
    const m = decoder();
    const { ours, theirs } = summaryRowsWithTfjs(m);
    expect(ours).toEqual(theirs);
    // Channels at axis 1 throughout: the batch norm's 4·4 parameters, the last conv's 2·3·3·2 + 2.
    expect(ours).toContainEqual(['[null,4,4,5]', 16]);
    expect(ours.at(-1)).toEqual(['[null,2,14,8]', 38]);
    expect(await expectConfigsMatchTfjs(m)).toBe(7);
    expect(m.layers.slice(1).map((l) => l.getConfig().data_format ?? l.getConfig().axis)).toEqual(['channels_first', 1, undefined, 'channels_first', 'channels_first', 'channels_first', 'channels_first']);
  });

  it('the optimized decoder keeps only the transposes at its two ends, its batch norm folded into the conv', () => {
    const graph = decoder().toGraph();
    // Two around each channels-first layer with a channels-last op (Cropping2D slices axes 2 and 3 itself).
    expect(graph.nodes.filter((n) => n.op === 'transpose').length).toBe(10);
    const optimized = optimize(graph);
    expect(optimized.nodes.filter((n) => n.op === 'transpose').map((n) => n.attrs.perm)).toEqual([
      [0, 2, 3, 1],
      [0, 3, 1, 2],
    ]);
    expect(optimized.nodes.some((n) => n.op === 'batch_norm' || (n.op === 'elementwise' && n.inputs.length >= 3))).toBe(false);
    expect(optimized.nodes.filter((n) => n.op === 'weight' && n.name!.endsWith('.batch_norm')).length).toBe(2);
  });
});
