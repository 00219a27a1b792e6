/**
 * The BatchNormalization layer's interface: Keras' summary() row and totals, its config as
 * tfjs-layers writes it, the tfjs Layers import (tfjs-layers, Keras 2.x and Keras 3 config
 * variants; gamma/beta dropped by center/scale false) and the export that tf.loadLayersModel
 * reads, each checked against tfjs's own predictions within 1e-5, and the refusals.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { toTfjsArtifacts } from '../../src/frontend/export-tfjs.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import { layers } from '../../src/frontend/layers/index.js';
import { input } from '../../src/frontend/layers/input-layer.js';
import { sequential } from '../../src/frontend/sequential.js';
import { interpret } from '../../src/ir/interpreter.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { tfjsBatchNormalization, tfjsReady } from '../helpers/tfjs-twin.js';
import { loadArtifacts } from '../train/helpers/load-artifacts.js';
import { randomizeBatchNorms } from './batch-norm-models.js';

interface LayerEntry {
  class_name: string;
  config: Record<string, unknown>;
}
type SavedJson = { modelTopology: { config: { layers: LayerEntry[] } } };

/** A tfjs model with batch norms after a conv2d (moving statistics and affine weights randomized by tfjs' own setWeights). */
function tfjsModel(bn: { center?: boolean; scale?: boolean } = {}): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3, padding: 'same', name: 'conv' }),
      tf.layers.batchNormalization({ ...bn, name: 'bn_conv' }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ units: 4, name: 'dense' }),
      tf.layers.batchNormalization({ epsilon: 0.01, momentum: 0.9, name: 'bn_dense' }),
    ],
  });
  let k = 0;
  for (const layer of m.layers)
    if (layer.name.startsWith('bn'))
      layer.setWeights(layer.getWeights().map((w, i, all) => tf.add(tf.mul(tf.sin(tf.add(tf.range(0, w.size), ++k)), 0.5), i >= all.length - 1 ? 1 : 0)));
  return m;
}

async function expectImportMatches(tfm: tf.LayersModel, dir: string): Promise<void> {
  const imported = loadTfjsLayersModel(join(dir, 'model.json'));
  const graph = imported.toGraph();
  const { tensors, flat } = randomInputs(graph, 6);
  const want = (tfm.predict(tf.tensor(flat[graph.inputs[0]!.name!]!, [6, ...(graph.inputs[0]!.type.shape.slice(1) as number[])])) as tf.Tensor).dataSync();
  expect(maxAbsDiff(Object.values(interpret(graph, tensors))[0]!.data, want)).toBeLessThanOrEqual(1e-5);
}

describe('BatchNormalization layer', () => {
  beforeAll(() => tfjsReady());

  it('summary: 4·C parameters per batch norm, 2·C of them non-trainable, in the totals', () => {
    const m = sequential({
      layers: [
        layers.conv2d({ inputShape: [6, 6, 2], filters: 4, kernelSize: 3, name: 'conv' }),
        layers.batchNormalization({ name: 'bn' }),
        layers.flatten({ name: 'flat' }),
        layers.dense({ units: 3, name: 'out' }),
        layers.batchNormalization({ name: 'bn_out', center: false }),
      ],
    });
    const text = m.summary(null);
    expect(text).toMatch(/^ bn \(BatchNormalization\) +\(None, 4, 4, 4\) +16 +$/m);
    expect(text).toMatch(/^ bn_out \(BatchNormalization +\(None, 3\) +9 +\n \) +$/m);
    // conv 3·3·2·4 + 4 = 76, bn 16, dense 64·3 + 3 = 195, bn_out 9: 296 in all, 8 + 6 moving statistics.
    expect(text).toContain('Total params: 296 (1.16 KB)');
    expect(text).toContain('Trainable params: 282 (1.10 KB)');
    expect(text).toContain('Non-trainable params: 14 (56.00 Byte)');
  });

  it('getConfig has the keys and values tfjs-layers writes', async () => {
    const tfm = tfjsModel({ center: false });
    const { json } = await saveTfjsModel<SavedJson>(tfm);
    const theirs = json.modelTopology.config.layers.find((l) => l.config.name === 'bn_conv')!.config;
    const ours = layers.batchNormalization({ name: 'bn_conv', center: false });
    ours.apply(input({ shape: [5, 5, 3] }));
    // Every nnc layer's base config writes dtype, as Keras does; tfjs leaves it out when unset.
    const { dtype, ...rest } = ours.getConfig();
    expect(dtype).toBe('float32');
    expect(rest).toEqual(theirs);
  });

  for (const variant of [{}, { center: false }, { scale: false }, { center: false, scale: false }])
    it(`imports a model tfjs saved, ${JSON.stringify(variant)}, with tfjs' outputs`, async () => {
      const tfm = tfjsModel(variant);
      const { dir } = await saveTfjsModel(tfm);
      const imported = loadTfjsLayersModel(join(dir, 'model.json'));
      const bn = imported.layers.find((l) => l.name === 'bn_conv')!;
      const suffixes = [...(variant.scale === false ? [] : ['gamma']), ...(variant.center === false ? [] : ['beta']), 'moving_mean', 'moving_variance'];
      expect(bn.weights.map((w) => w.name)).toEqual(suffixes.map((s) => `bn_conv/${s}`));
      expect(bn.weights.map((w) => w.trainable)).toEqual(suffixes.map((s) => !s.startsWith('moving')));
      await expectImportMatches(tfm, dir);
    });

  it('imports the Keras 2.x (axis [3], renorm, fused, virtual_batch_size) and Keras 3 (synchronized) configs', async () => {
    const tfm = tfjsModel();
    const { dir, json } = await saveTfjsModel<SavedJson>(tfm);
    const bns = json.modelTopology.config.layers.filter((l) => l.class_name === 'BatchNormalization');
    Object.assign(bns[0]!.config, { axis: [3], renorm: false, renorm_clipping: null, renorm_momentum: 0.99, fused: null, virtual_batch_size: null });
    Object.assign(bns[1]!.config, { axis: -1, synchronized: false });
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    await expectImportMatches(tfm, dir);
  });

  it('imports the axis forms Keras and tfjs write for a channels-first batch norm (1, [1], -3, [-3])', async () => {
    // tfjs-layers' own layer computes axis 1 wrongly on the cpu backend (see tfjsBatchNormalization).
    const tfm = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [2, 5, 5], filters: 3, kernelSize: 3, padding: 'same', dataFormat: 'channelsFirst', name: 'conv' }),
        tfjsBatchNormalization({ axis: 1, name: 'bn' }),
      ],
    });
    const bnLayer = tfm.getLayer('bn');
    bnLayer.setWeights(bnLayer.getWeights().map((w, i) => tf.add(tf.mul(tf.sin(tf.add(tf.range(0, w.size), i)), 0.5), i === 3 ? 1 : 0)));
    const { dir, json } = await saveTfjsModel<SavedJson>(tfm);
    const bn = json.modelTopology.config.layers.find((l) => l.class_name === 'BatchNormalization')!.config;
    expect(bn.axis).toBe(1);
    for (const axis of [1, [1], -3, [-3]]) {
      bn.axis = axis;
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      expect(loadTfjsLayersModel(join(dir, 'model.json')).layers.at(-1)!.weights.map((w) => w.shape)).toEqual([[3], [3], [3], [3]]);
      await expectImportMatches(tfm, dir);
    }
  });

  it('refuses renorm, an axis that is not a channel axis, and several axes', async () => {
    const { dir, json } = await saveTfjsModel<SavedJson>(tfjsModel());
    const original = readFileSync(join(dir, 'model.json'), 'utf8');
    const bn = () => json.modelTopology.config.layers.find((l) => l.config.name === 'bn_conv')!.config;
    const attempt = (edit: Record<string, unknown>) => {
      const fresh = JSON.parse(original) as SavedJson;
      Object.assign(fresh.modelTopology.config.layers.find((l) => l.config.name === 'bn_conv')!.config, edit);
      writeFileSync(join(dir, 'model.json'), JSON.stringify(fresh));
      return catchNnc(() => loadTfjsLayersModel(join(dir, 'model.json')));
    };
    expect(bn().axis).toBe(-1);
    const renorm = attempt({ renorm: true });
    expect(renorm.code).toBe('NNC6001');
    expect(renorm.message).toMatch(/renorm/);
    for (const [value, message] of [
      [4, /axis 4 is not a channel axis of a rank-4 input/],
      [0, /axis 0 is not a channel axis/],
      [[-4], /axis -4 is not a channel axis/],
      [[1, 3], /axis must be one integer, got \[1,3\]/],
    ] as const) {
      const e = attempt({ axis: value });
      expect([e.code, e.location?.layer], JSON.stringify(value)).toEqual(['NNC1006', 'bn_conv']);
      expect(e.message).toMatch(message);
    }
  });

  it('exports tfjs Layers JSON that tf.loadLayersModel reads and predicts with as nnc', async () => {
    const m = randomizeBatchNorms(
      sequential({
        layers: [
          layers.conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3 }),
          layers.batchNormalization({ scale: false }),
          layers.flatten(),
          layers.dense({ units: 4 }),
          layers.batchNormalization({ epsilon: 0.01 }),
        ],
      }),
    );
    const { modelJson, weightsBin } = toTfjsArtifacts(m);
    const loaded = await loadArtifacts(JSON.parse(JSON.stringify(modelJson)) as Record<string, unknown>, weightsBin);
    const graph = m.toGraph();
    const { tensors, flat } = randomInputs(graph, 5);
    const want = Object.values(interpret(graph, tensors))[0]!.data;
    const got = (loaded.predict(tf.tensor(flat[graph.inputs[0]!.name!]!, [5, 5, 5, 2])) as tf.Tensor).dataSync();
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5);
    loaded.dispose();
  });

  it('refuses an axis that is not a channel axis, and bad momentum or epsilon, by name', () => {
    const x = input({ shape: [4, 4, 3] });
    const batchAxis = catchNnc(() => layers.batchNormalization({ axis: 0, name: 'bn' }).apply(x));
    expect([batchAxis.code, batchAxis.location?.layer, batchAxis.hint]).toEqual(['NNC1006', 'bn', 'Use an axis in 1..3 (or -3..-1); axis 0 is the batch.']);
    expect(catchNnc(() => layers.batchNormalization({ axis: -5 }).apply(x)).message).toMatch(/axis -5 is not a channel axis of a rank-4 input/);
    expect(catchNnc(() => layers.batchNormalization({ axis: 1.5 })).message).toMatch(/axis must be one integer, got 1.5/);
    expect(catchNnc(() => layers.batchNormalization({ momentum: 1.5 })).code).toBe('NNC1006');
    expect(catchNnc(() => layers.batchNormalization({ epsilon: 0 })).message).toMatch(/epsilon must be positive/);
  });
});
