/**
 * DepthwiseConv2D, SeparableConv2D and ReLU layers: Keras summary rows and parameter counts,
 * getConfig's keys as tfjs writes them (Keras' extra depth_multiplier and dtype aside), tfjs Layers JSON import (as tfjs saves it and in Keras
 * 2.x spellings) with tfjs's outputs, export loading in tfjs with nnc's outputs, refusals; and
 * relu6 / hardSigmoid values on both sides of their corners in the interpreter and wasm.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { toTfjsArtifacts } from '../../src/frontend/export-tfjs.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import { layers, sequential } from '../../src/index.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import { interpret } from '../../src/ir/interpreter.js';
import { tensor } from '../../src/ir/tensor.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { loadArtifacts } from '../train/helpers/load-artifacts.js';
import { runModule } from '../wasm/harness.js';

type SavedJson = { modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } };

function tfjsModel(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu6', inputShape: [9, 8, 3], biasInitializer: 'randomNormal', name: 'd1' }),
      tf.layers.separableConv2d({ filters: 5, kernelSize: [2, 3], depthMultiplier: 3, dilationRate: 2, padding: 'same', useBias: false, activation: 'hardSigmoid', name: 's1' }),
      tf.layers.separableConv2d({ filters: 4, kernelSize: 1, biasInitializer: 'randomNormal', name: 's2' }),
      tf.layers.reLU({ maxValue: 6, name: 'r1' }),
    ],
  });
}

describe('layers.depthwiseConv2d, layers.separableConv2d, layers.reLU', () => {
  it('print Keras summary rows and count kh·kw·C·m (+ C·m) and kh·kw·C·m + C·m·F (+ F) parameters', () => {
    const m = sequential({
      layers: [
        layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, inputShape: [28, 28, 8] }),
        layers.separableConv2d({ filters: 32, kernelSize: 3, padding: 'same' }),
        layers.reLU({ maxValue: 6 }),
      ],
    });
    const rows = m.summary(null).split('\n');
    // Keras 2.13 wraps a name and type longer than 26 characters onto the next line.
    const at = rows.indexOf(' depthwise_conv2d (Depthwis  (None, 26, 26, 16)        160       ');
    expect(at).toBeGreaterThan(0);
    expect(rows.slice(at + 1, at + 5)).toEqual([
      ' eConv2D)                                                        ',
      '                                                                 ',
      ' separable_conv2d (Separabl  (None, 26, 26, 32)        688       ',
      ' eConv2D)                                                        ',
    ]);
    expect(rows).toContain(' re_lu (ReLU)                (None, 26, 26, 32)        0         ');
    expect(m.countParams()).toBe(3 * 3 * 8 * 2 + 16 + (3 * 3 * 16 + 16 * 32 + 32));
    expect(m.layers[1]!.weights.map((w) => w.name)).toEqual(['separable_conv2d/depthwise_kernel', 'separable_conv2d/pointwise_kernel', 'separable_conv2d/bias']);
  });

  it('write the config keys tfjs writes for the same layers', async () => {
    await tfjsReady();
    const { json } = await saveTfjsModel<SavedJson>(tfjsModel());
    const ours = sequential({
      layers: [
        layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, inputShape: [9, 8, 3] }),
        layers.separableConv2d({ filters: 5, kernelSize: 3 }),
        layers.separableConv2d({ filters: 4, kernelSize: 1 }),
        layers.reLU({ maxValue: 6 }),
      ],
    });
    const theirs = json.modelTopology.config.layers.filter((l) => l.class_name !== 'InputLayer');
    ours.layers.forEach((l, i) => {
      expect(l.className).toBe(theirs[i]!.class_name);
      const [mine, tfjs] = [Object.keys(l.getConfig()), Object.keys(theirs[i]!.config)];
      expect(mine, l.className).toEqual(expect.arrayContaining(tfjs));
      // Keras writes both; tfjs leaves dtype out of non-input layers and depth_multiplier out of SeparableConv2D (reading it back).
      expect(mine.filter((k) => !tfjs.includes(k)).every((k) => k === 'dtype' || k === 'depth_multiplier'), `${l.className}: ${mine.filter((k) => !tfjs.includes(k)).join(', ')}`).toBe(true);
    });
    expect(ours.layers[0]!.getConfig()).toMatchObject({ kernel_size: [3, 3], depth_multiplier: 2, padding: 'valid', activation: 'linear' });
  });

  it('refuse a depth multiplier that is not a positive integer and a ReLU cap other than 6, naming the option', () => {
    expect(catchNnc(() => layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 0, name: 'd' })).message).toMatch(/depthMultiplier must be a positive integer/);
    const e = catchNnc(() => layers.reLU({ maxValue: 4, name: 'r' }));
    expect(e.code).toBe('NNC1006');
    expect(e.message).toMatch(/maxValue 4/);
  });
});

describe('tfjs Layers JSON import of DepthwiseConv2D, SeparableConv2D and ReLU', () => {
  beforeAll(() => tfjsReady());

  async function expectSameOutputs(model: tf.LayersModel, path: string): Promise<void> {
    const imported = loadTfjsLayersModel(path);
    expect(imported.countParams()).toBe(model.countParams());
    const graph = imported.toGraph();
    const { tensors, flat } = randomInputs(graph, 3);
    const x = tf.tensor(flat[graph.inputs[0]!.name!]!, [3, 9, 8, 3]);
    const want = (await (model.predict(x) as tf.Tensor).data()) as Float32Array;
    expect(maxAbsDiff(Object.values(interpret(graph, tensors))[0]!.data, want)).toBeLessThanOrEqual(1e-5);
    x.dispose();
  }

  it('imports a model saved by tfjs with tfjs outputs', async () => {
    const model = tfjsModel();
    const { dir } = await saveTfjsModel(model);
    await expectSameOutputs(model, join(dir, 'model.json'));
    model.dispose();
  });

  it('reads Keras 2.x spellings: int sizes, groups, kernel_* keys, ReLU negative_slope / threshold, hard_sigmoid', async () => {
    const model = tfjsModel();
    const { dir, json } = await saveTfjsModel<SavedJson>(model);
    const [d1, s1, s2, r1] = json.modelTopology.config.layers.filter((l) => l.class_name !== 'InputLayer').map((l) => l.config);
    const kernelKeys = { kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } }, kernel_regularizer: null, kernel_constraint: null, groups: 1 };
    Object.assign(d1!, kernelKeys, { kernel_size: 3, strides: 2, dilation_rate: 1, data_format: 'channels_last' });
    Object.assign(s1!, kernelKeys, { dilation_rate: 2, activation: 'hard_sigmoid', depth_multiplier: 3 });
    Object.assign(s2!, kernelKeys, { kernel_size: 1 });
    Object.assign(r1!, { max_value: 6.0, negative_slope: 0.0, threshold: 0.0 });
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    await expectSameOutputs(model, join(dir, 'model.json'));
    model.dispose();
  });

  it('refuses a ReLU with a negative slope, naming the key', async () => {
    const model = tfjsModel();
    const { dir, json } = await saveTfjsModel<SavedJson>(model);
    json.modelTopology.config.layers.find((l) => l.class_name === 'ReLU')!.config.negative_slope = 0.1;
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    expect(catchNnc(() => loadTfjsLayersModel(join(dir, 'model.json'))).message).toMatch(/negative_slope/);
    model.dispose();
  });
});

describe('tfjs Layers export of DepthwiseConv2D, SeparableConv2D and ReLU', () => {
  beforeAll(() => tfjsReady());

  it('loads in tfjs and predicts as nnc', async () => {
    const model = sequential({
      layers: [
        layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu6', inputShape: [9, 8, 3] }),
        layers.separableConv2d({ filters: 5, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'hardSigmoid', depthMultiplier: 2 }),
        layers.reLU({ maxValue: 6 }),
      ],
    });
    for (const l of model.layers) for (const w of l.weights) if (w.name.endsWith('/bias')) w.data = w.data.map((_, i) => 0.1 * i - 0.3);
    const { modelJson, weightsBin } = toTfjsArtifacts(model);
    const loaded = await loadArtifacts(JSON.parse(JSON.stringify(modelJson)) as Record<string, unknown>, weightsBin);
    const graph = model.toGraph();
    const { tensors, flat } = randomInputs(graph, 4);
    const want = interpret(graph, tensors)[graph.outputs[0]!.name]!.data;
    const got = (loaded.predict(tf.tensor(flat[graph.inputs[0]!.name!]!, [4, 9, 8, 3])) as tf.Tensor).dataSync();
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5);
    loaded.dispose();
  });

  it('refuses a dilated DepthwiseConv2D, which tfjs-layers would compute without its dilation', () => {
    const model = sequential({ layers: [layers.depthwiseConv2d({ kernelSize: 3, dilationRate: 2, inputShape: [9, 8, 3], name: 'dd' })] });
    expect(() => toTfjsArtifacts(model)).toThrow(/NNC4001.*'dd'.*dilation_rate/);
  });
});

describe('relu6 and hard_sigmoid around their corners', () => {
  const values = Float32Array.from([-10, -2.5, -0.1, 0, 0.1, 2.4, 2.6, 5.9, 6, 6.1, 12, 3]);
  it.each([
    ['relu6', (x: tf.Tensor) => tf.relu6(x)],
    ['hard_sigmoid', (x: tf.Tensor) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1)],
  ] as const)('%s: interpreter and wasm (SIMD, scalar) equal tfjs', async (op, reference) => {
    await tfjsReady();
    const b = new GraphBuilder();
    b.output('y', b.op(op, [b.input('x', { dtype: 'f32', shape: [null, 12] })]));
    const graph = b.build();
    const want = reference(tf.tensor(values)).dataSync();
    expect(maxAbsDiff(interpret(graph, { x: tensor([1, 12], values) }).y!.data, want)).toBeLessThanOrEqual(1e-7);
    for (const simd of [true, false]) expect(maxAbsDiff((await runModule(graph, { x: values }, 1, simd)).y!, want), simd ? 'simd' : 'scalar').toBeLessThanOrEqual(1e-7);
  });
});
