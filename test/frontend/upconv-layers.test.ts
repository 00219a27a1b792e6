/**
 * Conv2DTranspose, UpSampling2D and UpSampling1D as a model author and a tfjs Layers file meet
 * them: Keras names and defaults, summary rows and parameter counts, refusals by name, tfjs Layers
 * import (tfjs-layers' and Keras 2's config variants) and export, predictions within 1e-5 of tfjs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { toTfjsArtifacts } from '../../src/frontend/export-tfjs.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import { resetNameScope } from '../../src/frontend/naming.js';
import { input, layers, sequential } from '../../src/index.js';
import { interpret } from '../../src/ir/interpreter.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { buildTfjsTwin, tfjsReady } from '../helpers/tfjs-twin.js';
import { loadArtifacts } from '../train/helpers/load-artifacts.js';

type SavedJson = { modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } };

/** nnc's interpreter on the imported model against the original tfjs model, batch 5. */
function expectSamePredictions(original: tf.LayersModel, dir: string): void {
  const graph = loadTfjsLayersModel(join(dir, 'model.json')).toGraph();
  const { tensors, flat } = randomInputs(graph, 5);
  const ours = Object.values(interpret(graph, tensors))[0]!.data;
  const theirs = (original.predict(tf.tensor(flat[graph.inputs[0]!.name!]!, [5, ...(graph.inputs[0]!.type.shape.slice(1) as number[])])) as tf.Tensor).dataSync();
  expect(ours.length).toBe(theirs.length);
  expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(1e-5);
}

describe('conv2dTranspose and up-sampling layers', () => {
  it('take Keras defaults and names', () => {
    resetNameScope();
    const deconv = layers.conv2dTranspose({ filters: 4, kernelSize: 3 });
    expect([deconv.name, deconv.className, deconv.strides, deconv.padding, deconv.useBias]).toEqual(['conv2d_transpose', 'Conv2DTranspose', [1, 1], 'valid', true]);
    const up = layers.upSampling2d();
    expect([up.name, up.size, up.interpolation]).toEqual(['up_sampling2d', [2, 2], 'nearest']);
    expect(layers.upSampling2d({ size: 3 }).size).toEqual([3, 3]);
    const up1 = layers.upSampling1d();
    expect([up1.name, up1.size]).toEqual(['up_sampling1d', 2]);
  });

  it('print Keras summary rows and parameter counts', () => {
    const m = sequential({
      name: 'decoder',
      layers: [
        layers.conv2dTranspose({ filters: 16, kernelSize: 3, strides: 2, inputShape: [5, 5, 8], name: 'conv2d_transpose' }),
        layers.conv2dTranspose({ filters: 4, kernelSize: 2, strides: 2, padding: 'same', useBias: false, name: 'deconv_same' }),
        layers.upSampling2d({ size: [2, 3], interpolation: 'bilinear', name: 'up_sampling2d' }),
      ],
    });
    const text = m.summary(null);
    // 3·3·16·8 + 16; 2·2·4·16.
    expect(text).toContain(' conv2d_transpose (Conv2DTr  (None, 11, 11, 16)        1168      \n anspose)  ');
    expect(text).toContain(' deconv_same (Conv2DTranspo  (None, 22, 22, 4)         256       \n se)  ');
    expect(text).toContain(' up_sampling2d (UpSampling2  (None, 44, 66, 4)         0         \n D)  ');
    expect(text).toContain('Total params: 1424 (5.56 KB)');
    const steps = sequential({ layers: [layers.upSampling1d({ size: 3, inputShape: [4, 2], name: 'up_sampling1d' })] });
    expect(steps.summary(null)).toContain(' up_sampling1d (UpSampling1  (None, 12, 2)             0         \n D)  ');
  });

  it('refuse what tfjs-layers does not compute, by name', () => {
    const dilated = catchNnc(() => layers.conv2dTranspose({ filters: 2, kernelSize: 3, dilationRate: 2, name: 'd' }));
    expect([dilated.code, dilated.location?.layer]).toEqual(['NNC1006', 'd']);
    expect(dilated.message).toMatch(/dilationRate \[2,2\]/);
    // Keras: each output_padding below its stride.
    expect(catchNnc(() => layers.conv2dTranspose({ filters: 2, kernelSize: 3, outputPadding: [1, 1] })).message).toMatch(/outputPadding \[1,1\].*less than its stride \[1,1\]/);
    expect(catchNnc(() => layers.conv2dTranspose({ filters: 2, kernelSize: 3, dataFormat: 'NCHW' as 'channelsFirst' })).message).toMatch(/dataFormat 'NCHW'/);
    expect(catchNnc(() => layers.upSampling2d({ interpolation: 'bicubic' as 'nearest' })).message).toMatch(/interpolation 'bicubic'/);
    expect(catchNnc(() => layers.upSampling2d({ dataFormat: 'NCHW' as 'channelsFirst' })).message).toMatch(/dataFormat 'NCHW'/);
    expect(catchNnc(() => layers.upSampling2d({ size: [2, 0] })).code).toBe('NNC1006');
    expect(catchNnc(() => layers.upSampling1d({ size: 1.5 })).code).toBe('NNC1006');
    expect(catchNnc(() => layers.upSampling1d().apply(input({ shape: [4, 4, 1] }))).code).toBe('NNC2003');
    expect(catchNnc(() => layers.upSampling2d().apply(input({ shape: [4, 4] }))).code).toBe('NNC2003');
  });

  it('export the Keras config keys', () => {
    expect(layers.conv2dTranspose({ filters: 3, kernelSize: [2, 3], strides: 2, padding: 'same' }).getConfig()).toMatchObject({
      filters: 3,
      kernel_size: [2, 3],
      strides: [2, 2],
      padding: 'same',
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      output_padding: null,
      use_bias: true,
    });
    expect(layers.upSampling2d({ size: [1, 2], interpolation: 'bilinear' }).getConfig()).toMatchObject({ size: [1, 2], data_format: 'channels_last', interpolation: 'bilinear' });
    expect(layers.upSampling1d({ size: 4 }).getConfig()).toMatchObject({ size: 4 });
  });
});

describe('tfjs Layers JSON with conv2dTranspose and up-sampling', () => {
  beforeAll(() => tfjsReady());

  it('a model saved by tfjs imports and predicts as tfjs does', async () => {
    const original = tf.sequential({
      layers: [
        tf.layers.conv2dTranspose({ inputShape: [4, 3, 2], filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', biasInitializer: 'randomNormal' }),
        tf.layers.upSampling2d({ size: [2, 3], interpolation: 'bilinear' }),
        tf.layers.conv2dTranspose({ filters: 2, kernelSize: [2, 3], strides: [1, 2], useBias: false }),
        tf.layers.upSampling2d({}),
      ],
    });
    const { dir } = await saveTfjsModel(original);
    expectSamePredictions(original, dir);
    original.dispose();
  });

  it("reads Keras 2's keys (output_padding, dilation_rate, groups) and refuses other values by key", async () => {
    const original = tf.sequential({ layers: [tf.layers.conv2dTranspose({ inputShape: [3, 3, 2], filters: 3, kernelSize: 2, strides: 2 }), tf.layers.upSampling2d({ size: [2, 1] })] });
    const { dir, json } = await saveTfjsModel<SavedJson>(original);
    const [deconv, up] = json.modelTopology.config.layers.filter((l) => l.class_name !== 'InputLayer').map((l) => l.config) as [Record<string, unknown>, Record<string, unknown>];
    Object.assign(deconv, { output_padding: null, dilation_rate: [1, 1], groups: 1, data_format: 'channels_last' });
    Object.assign(up, { data_format: 'channels_last', interpolation: 'nearest' });
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    expectSamePredictions(original, dir);
    original.dispose();
    for (const [config, key, value, message] of [
      [deconv, 'output_padding', [2, 2], /outputPadding \[2,2\]/],
      [deconv, 'dilation_rate', [2, 2], /dilationRate/],
      [up, 'interpolation', 'bicubic', /interpolation/],
      [up, 'data_format', 'NCHW', /data_format/],
    ] as const) {
      const saved = config[key];
      config[key] = value;
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      expect(catchNnc(() => loadTfjsLayersModel(join(dir, 'model.json')).toGraph()).message, key).toMatch(message);
      config[key] = saved;
    }
  });

  it("imports Keras' UpSampling1D (tfjs-layers has none) and refuses to export it", async () => {
    const model = sequential({ layers: [layers.dense({ units: 3, inputShape: [4, 2] }), layers.upSampling1d({ size: 3 })] });
    const twin = buildTfjsTwin(model);
    const { dir } = await saveTfjsModel(twin);
    expectSamePredictions(twin, dir);
    expect(loadTfjsLayersModel(join(dir, 'model.json')).layers.at(-1)!.className).toBe('UpSampling1D');
    twin.dispose();
    expect(catchNnc(() => toTfjsArtifacts(model)).message).toMatch(/tfjs-layers has no UpSampling1D layer/);
  });

  it('exports a model tf.loadLayersModel reads and that predicts as nnc', async () => {
    const model = sequential({
      layers: [
        layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh', inputShape: [3, 4, 2] }),
        layers.upSampling2d({ interpolation: 'bilinear' }),
        layers.upSampling2d({ size: [1, 2] }),
      ],
    });
    const { modelJson, weightsBin } = toTfjsArtifacts(model);
    const loaded = await loadArtifacts(JSON.parse(JSON.stringify(modelJson)) as Record<string, unknown>, weightsBin);
    const graph = model.toGraph();
    const { tensors, flat } = randomInputs(graph, 4);
    const want = Object.values(interpret(graph, tensors))[0]!.data;
    const got = (loaded.predict(tf.tensor(flat[graph.inputs[0]!.name!]!, [4, 3, 4, 2])) as tf.Tensor).dataSync();
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5);
    loaded.dispose();
  });
});
