/**
 * tfjs Layers models with data_format 'channels_first' (and Permute) saved by tfjs itself,
 * imported, and run by the interpreter against tfjs's own predictions (≤ 1e-5: conv sums of at
 * most 3·3·4 terms of magnitude ≤ 1 in a different order); the layers keep the format in
 * getConfig and summary shapes. nnc's own export of channels-first layers imports back and loads
 * in tfjs with the same outputs. The 1-D layers, whose channels-first form tfjs-layers does not
 * compute, stay refused by name, saying so.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { toTfjsArtifacts, WEIGHTS_FILE } from '../../src/frontend/export-tfjs.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import { layers } from '../../src/frontend/layers/index.js';
import type { LayersModel } from '../../src/frontend/model.js';
import { sequential } from '../../src/frontend/sequential.js';
import { interpret } from '../../src/ir/interpreter.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { tfjsBatchNormalization, tfjsReady } from '../helpers/tfjs-twin.js';
import { loadArtifacts } from '../train/helpers/load-artifacts.js';
import { randomizeBatchNorms } from '../norm/batch-norm-models.js';

const cf = 'channelsFirst' as const;

/** The interpreter's output for 5 seeded rows of the model at `path`, with those rows' flat input. */
function interpretImported(path: string): { imported: ReturnType<typeof loadTfjsLayersModel>; ours: Float32Array; x: Float32Array; shape: number[] } {
  const imported = loadTfjsLayersModel(path);
  const graph = imported.toGraph();
  const { tensors, flat } = randomInputs(graph, 5);
  return { imported, ours: Object.values(interpret(graph, tensors))[0]!.data as Float32Array, x: flat[graph.inputs[0]!.name!]!, shape: [5, ...(graph.inputs[0]!.type.shape.slice(1) as number[])] };
}

/**
 * Saves the tfjs model through a save handler, imports it and checks nnc against tfjs: parameter
 * count, predictions (≤ 1e-5), each layer's output shape and data_format. Disposes the model.
 */
async function expectImportPredictsAsTfjs(m: tf.LayersModel): Promise<void> {
  const { dir } = await saveTfjsModel(m);
  const { imported, ours, x, shape } = interpretImported(join(dir, 'model.json'));
  expect(imported.countParams()).toBe(m.countParams());
  const input = tf.tensor(x, shape);
  const theirs = (m.predict(input) as tf.Tensor).dataSync();
  expect(ours.length).toBe(theirs.length);
  expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(1e-5);
  expect(imported.calls.map((c) => c.output.shape)).toEqual(m.layers.map((l) => l.outputShape));
  for (const layer of imported.layers) {
    const config = layer.getConfig();
    // tfjs's getConfig spells it in camelCase; its saved JSON (and ours) as Keras does.
    const theirs = m.getLayer(layer.name).getConfig();
    if ('data_format' in config) expect(config.data_format, layer.name).toBe(theirs.dataFormat === 'channelsFirst' ? 'channels_first' : 'channels_last');
    if ('dims' in config) expect(config.dims).toEqual(theirs.dims);
  }
  input.dispose();
  m.dispose();
}

/** Every weight of the tfjs model seeded in [-1, 1), a moving variance in [0.25, 1.25), so no bias or statistic is an identity. */
function randomizeTfjsWeights(m: tf.LayersModel): tf.LayersModel {
  let seed = 1;
  for (const layer of m.layers)
    layer.setWeights(
      layer.weights.map((w) => {
        const [low, high] = w.name.endsWith('moving_variance') ? [0.25, 1.25] : [-1, 1];
        return tf.randomUniform(w.shape as number[], low, high, 'float32', seed++);
      }),
    );
  return m;
}

/** An nnc model of every channels-first layer tfjs-layers loads, [3, 6, 7] in, its weights seeded; a batch norm on axis 1 with `norm`. */
function exportable(norm: boolean) {
  return randomizeBatchNorms(
    sequential({
      layers: [
        layers.depthwiseConv2d({ inputShape: [3, 6, 7], kernelSize: 3, depthMultiplier: 2, padding: 'same', dataFormat: cf, biasInitializer: 'ones' }),
        ...(norm ? [layers.batchNormalization({ axis: 1 })] : []),
        // tfjs-layers 4.22 adds a channels-first SeparableConv2D's bias to its NHWC result (a broadcast error): no bias.
        layers.separableConv2d({ filters: 4, kernelSize: 2, useBias: false, dataFormat: cf }),
        layers.conv2dTranspose({ filters: 3, kernelSize: 2, strides: 2, dataFormat: cf, biasInitializer: 'ones' }),
        layers.upSampling2d({ interpolation: 'bilinear', dataFormat: cf }),
        layers.cropping2d({ cropping: [[1, 2], [3, 0]], dataFormat: cf }),
      ],
    }),
  );
}

/** nnc's tfjs Layers export of the model, written to a fresh temp dir: its model.json path. */
function exportToDir(m: LayersModel): string {
  const { modelJson, weightsBin } = toTfjsArtifacts(m);
  const dir = mkdtempSync(join(tmpdir(), 'nnc-cf-export-'));
  writeFileSync(join(dir, WEIGHTS_FILE), weightsBin);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
  return join(dir, 'model.json');
}

describe('tfjs Layers import of channels_first layers', () => {
  beforeAll(tfjsReady);

  it('a channels-first CNN saved by tfjs predicts as tfjs does', async () => {
    const original = tf.sequential({
      layers: [
        tf.layers.zeroPadding2d({ inputShape: [4, 9, 8], padding: [[1, 0], [0, 1]], dataFormat: cf }),
        tf.layers.conv2d({ filters: 5, kernelSize: 3, strides: [1, 2], activation: 'relu', dataFormat: cf, biasInitializer: 'randomNormal' }),
        tf.layers.maxPooling2d({ poolSize: 2, padding: 'same', dataFormat: cf }),
        tf.layers.averagePooling2d({ poolSize: [2, 1], strides: 1, dataFormat: cf }),
        tf.layers.permute({ dims: [2, 3, 1] }),
        tf.layers.conv2d({ filters: 3, kernelSize: 1, dataFormat: 'channelsLast' }),
        tf.layers.permute({ dims: [3, 1, 2] }),
        tf.layers.globalAveragePooling2d({ dataFormat: cf }),
      ],
    });
    await expectImportPredictsAsTfjs(original);
    await expectImportPredictsAsTfjs(tf.sequential({ layers: [tf.layers.globalMaxPooling2d({ inputShape: [3, 4, 5], dataFormat: cf })] }));
  });

  it('channels-first DepthwiseConv2D and SeparableConv2D saved by tfjs predict as tfjs does', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.depthwiseConv2d({ inputShape: [3, 7, 6], kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu6', dataFormat: cf }),
        // tfjs-layers 4.22 adds a channels-first SeparableConv2D's bias to its NHWC result (a broadcast error): no bias.
        tf.layers.separableConv2d({ filters: 4, kernelSize: [2, 3], depthMultiplier: 2, useBias: false, dataFormat: cf }),
        tf.layers.depthwiseConv2d({ kernelSize: 1, dataFormat: cf }),
      ],
    });
    await expectImportPredictsAsTfjs(randomizeTfjsWeights(m));
  });

  it('channels-first Conv2DTranspose, UpSampling2D (nearest, bilinear), Cropping2D and BatchNormalization (axis 1) saved by tfjs predict as tfjs does', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.conv2dTranspose({ inputShape: [3, 4, 5], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', dataFormat: cf }),
        tfjsBatchNormalization({ axis: 1 }),
        tf.layers.upSampling2d({ size: [2, 1], dataFormat: cf }),
        tf.layers.cropping2D({ cropping: [[3, 1], [0, 2]], dataFormat: cf }),
        tf.layers.conv2dTranspose({ filters: 2, kernelSize: [2, 3], strides: [1, 2], dataFormat: cf }),
        tf.layers.upSampling2d({ size: [1, 2], interpolation: 'bilinear', dataFormat: cf }),
      ],
    });
    await expectImportPredictsAsTfjs(randomizeTfjsWeights(m));
  });

  it("nnc's own export of channels-first layers imports back with the same configs and outputs", () => {
    const m = exportable(true);
    const { imported, ours: reimported } = interpretImported(exportToDir(m));
    expect(imported.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    const graph = m.toGraph();
    expect(maxAbsDiff(reimported, Object.values(interpret(graph, randomInputs(graph, 5).tensors))[0]!.data)).toBe(0);
  });

  // Without the batch norm: tfjs-layers' own computes axis 1 wrongly on its cpu backend (tensorflow/tfjs#1106).
  it("tfjs loads nnc's export of channels-first layers and predicts as nnc", async () => {
    const m = exportable(false);
    const { modelJson, weightsBin } = toTfjsArtifacts(m);
    const loaded = await loadArtifacts(JSON.parse(JSON.stringify(modelJson)) as Record<string, unknown>, weightsBin);
    expect(loaded.layers.map((l) => l.getConfig().dataFormat)).toEqual([cf, cf, cf, cf, cf]);
    const graph = m.toGraph();
    const { tensors, flat } = randomInputs(graph, 5);
    const x = tf.tensor(flat[graph.inputs[0]!.name!]!, [5, 3, 6, 7]);
    const theirs = (loaded.predict(x) as tf.Tensor).dataSync();
    expect(maxAbsDiff(Object.values(interpret(graph, tensors))[0]!.data, theirs)).toBeLessThanOrEqual(1e-5);
    x.dispose();
    loaded.dispose();
  });
});

describe('channels-first 1-D layers', () => {
  it('are refused by name, saying that tfjs-layers computes no channels-first form of them', async () => {
    for (const make of [
      () => layers.conv1d({ filters: 2, kernelSize: 3, dataFormat: cf, name: 'c' }),
      () => layers.maxPooling1d({ dataFormat: cf, name: 'c' }),
      () => layers.averagePooling1d({ dataFormat: cf, name: 'c' }),
      () => layers.globalAveragePooling1d({ dataFormat: cf, name: 'c' }),
      () => layers.globalMaxPooling1d({ dataFormat: cf, name: 'c' }),
    ]) {
      const e = catchNnc(make);
      expect([e.code, e.location?.layer]).toEqual(['NNC1006', 'c']);
      expect(e.message).toMatch(/dataFormat 'channelsFirst' is not supported: tfjs-layers' /);
      expect(e.hint).toMatch(/permute\(\{ dims: \[2, 1\] \}\)/);
    }
    await tfjsReady();
    const { dir, json } = await saveTfjsModel<{ modelTopology: { config: { layers: { config: Record<string, unknown> }[] } } }>(
      tf.sequential({ layers: [tf.layers.conv1d({ inputShape: [6, 2], filters: 1, kernelSize: 2 }), tf.layers.maxPooling1d({}), tf.layers.globalMaxPooling1d({})] }),
    );
    for (const l of json.modelTopology.config.layers) l.config.data_format = 'channels_first';
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    const e = catchNnc(() => loadTfjsLayersModel(join(dir, 'model.json')));
    expect(e.code).toBe('NNC6001');
    for (const layer of ['Conv1D', 'MaxPooling1D', 'GlobalMaxPooling1D'])
      expect(e.message).toContain(`${layer} config key data_format = "channels_first" is not supported (only "channels_last" or null): tfjs-layers computes no channels-first 1-D layer`);
  });
});
