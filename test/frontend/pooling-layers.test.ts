/**
 * The pooling and padding layers as a model author and a tfjs Layers file meet them: Keras
 * names, argument spellings and defaults, summary rows, refusals, and tfjs Layers JSON import.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { toTfjsArtifacts } from '../../src/frontend/export-tfjs.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import type { GlobalPooling } from '../../src/frontend/layers/global-pooling.js';
import type { LayersModel } from '../../src/frontend/model.js';
import { resetNameScope } from '../../src/frontend/naming.js';
import { input, layers, model, sequential } from '../../src/index.js';
import { interpret } from '../../src/ir/interpreter.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { loadArtifacts } from '../train/helpers/load-artifacts.js';

describe('pooling and padding layers', () => {
  it('take Keras defaults, spellings and names', () => {
    resetNameScope();
    const pool = layers.maxPooling2d();
    expect([pool.name, pool.poolSize, pool.strides, pool.padding]).toEqual(['max_pooling2d', [2, 2], [2, 2], 'valid']);
    const avg = layers.averagePooling2d({ poolSize: [3, 2], strides: 1, padding: 'same' });
    expect([avg.name, avg.poolSize, avg.strides]).toEqual(['average_pooling2d', [3, 2], [1, 1]]);
    expect(layers.maxPooling2d({ poolSize: 3, strides: null }).strides).toEqual([3, 3]);
    expect(layers.zeroPadding2d().padding).toEqual([[1, 1], [1, 1]]);
    expect(layers.zeroPadding2d({ padding: [1, 2] }).padding).toEqual([[1, 1], [2, 2]]);
    expect(layers.zeroPadding2d({ padding: [[0, 1], [2, 3]] }).padding).toEqual([[0, 1], [2, 3]]);
    expect(layers.globalAveragePooling2d().name).toBe('global_average_pooling2d');
  });

  it('print Keras summary rows with 0 params', () => {
    const m = sequential({
      name: 'cnn',
      layers: [
        layers.zeroPadding2d({ inputShape: [26, 26, 32], padding: [[0, 1], [0, 1]], name: 'zero_padding2d' }),
        layers.maxPooling2d({ name: 'max_pooling2d' }),
        layers.averagePooling2d({ padding: 'same', name: 'average_pooling2d' }),
        layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }),
      ],
    });
    const text = m.summary(null);
    // Keras 2.13 wraps a "name (Type)" cell longer than 26 characters onto the next line.
    expect(text).toContain(' zero_padding2d (ZeroPaddin  (None, 27, 27, 32)        0         \n g2D)  ');
    expect(text).toContain(' max_pooling2d (MaxPooling2  (None, 13, 13, 32)        0         \n D)  ');
    expect(text).toContain(' average_pooling2d (Average  (None, 7, 7, 32)          0         \n Pooling2D)  ');
    expect(text).toContain(' global_average_pooling2d (  (None, 32)                0         \n GlobalAveragePooling2D)  ');
    expect(text).toContain('Total params: 0 (0.00 Byte)');
  });

  it('print Keras summary rows for GlobalMaxPooling2D and ZeroPadding1D', () => {
    const img = input({ shape: [6, 5, 4], name: 'img' });
    const seq = input({ shape: [5, 3], name: 'seq' });
    const m = model({
      name: 'rows',
      inputs: [img, seq],
      outputs: [layers.globalMaxPooling2d({ name: 'global_max_pooling2d' }).apply(img), layers.zeroPadding1d({ padding: [2, 1], name: 'zero_padding1d' }).apply(seq)],
    });
    const text = m.summary(null);
    expect(text).toContain(" global_max_pooling2d (Glob  (None, 4)                    0         ['img[0][0]']                 \n alMaxPooling2D)  ");
    expect(text).toContain(" zero_padding1d (ZeroPaddin  (None, 8, 3)                 0         ['seq[0][0]']                 \n g1D)  ");
  });

  it('refuse a dataFormat other than the two by layer and option, and windows that do not fit', () => {
    const keras = 'channels_first' as 'channelsFirst';
    for (const make of [
      () => layers.maxPooling2d({ dataFormat: keras, name: 'p' }),
      () => layers.averagePooling2d({ dataFormat: keras, name: 'p' }),
      () => layers.globalAveragePooling2d({ dataFormat: keras, name: 'p' }),
      () => layers.zeroPadding2d({ dataFormat: keras, name: 'p' }),
      () => layers.globalMaxPooling2d({ dataFormat: keras, name: 'p' }),
    ]) {
      const e = catchNnc(make);
      expect(e.code).toBe('NNC1006');
      expect(e.message).toMatch(/dataFormat 'channels_first'/);
      expect(e.location?.layer).toBe('p');
    }
    expect(catchNnc(() => layers.maxPooling2d({ poolSize: 0 })).code).toBe('NNC1006');
    const e = catchNnc(() => layers.maxPooling2d({ poolSize: 5 }).apply(input({ shape: [4, 4, 1] })));
    expect(e.code).toBe('NNC2003');
  });
});

describe('tfjs Layers JSON with pooling', () => {
  it('a model saved by tfjs imports and predicts as tfjs does', async () => {
    await tfjsReady();
    const twin = tf.sequential({
      layers: [
        tf.layers.zeroPadding2d({ inputShape: [9, 9, 3], padding: [[1, 0], [0, 2]] }),
        tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
        tf.layers.averagePooling2d({ poolSize: 2, padding: 'valid' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4 }),
      ],
    });
    const withGlobal = tf.sequential({ layers: [tf.layers.maxPooling2d({ inputShape: [6, 6, 2], poolSize: [2, 3] }), tf.layers.globalAveragePooling2d({})] });
    const withGlobalMax = tf.sequential({ layers: [tf.layers.averagePooling2d({ inputShape: [5, 5, 3], poolSize: 2, strides: 1 }), tf.layers.globalMaxPooling2d({})] });
    for (const original of [twin, withGlobal, withGlobalMax]) {
      const { dir } = await saveTfjsModel(original);
      const imported = loadTfjsLayersModel(join(dir, 'model.json'));
      const graph = imported.toGraph();
      const { tensors, flat } = randomInputs(graph, 7);
      const ours = Object.values(interpret(graph, tensors))[0]!.data;
      const theirs = (original.predict(tf.tensor(flat[graph.inputs[0]!.name!]!, [7, ...(graph.inputs[0]!.type.shape.slice(1) as number[])])) as tf.Tensor).dataSync();
      expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(1e-5);
      original.dispose();
    }
  });

  it('reads Keras 2 configs: strides null, and refuses an unknown data_format by key', async () => {
    await tfjsReady();
    const original = tf.sequential({ layers: [tf.layers.maxPooling2d({ inputShape: [4, 4, 1], poolSize: 2 })] });
    const { dir, json } = await saveTfjsModel<{ modelTopology: { config: { layers: { config: Record<string, unknown> }[] } } }>(original);
    original.dispose();
    const config = json.modelTopology.config.layers.at(-1)!.config;
    config.strides = null;
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    const pool = loadTfjsLayersModel(join(dir, 'model.json')).layers.at(-1) as ReturnType<typeof layers.maxPooling2d>;
    expect(pool.strides).toEqual([2, 2]);
    config.data_format = 'channels_middle';
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    expect(catchNnc(() => loadTfjsLayersModel(join(dir, 'model.json'))).message).toMatch(/data_format/);
  });

  it('exports the Keras config keys', () => {
    expect(layers.maxPooling2d({ poolSize: 3, padding: 'same' }).getConfig()).toMatchObject({ pool_size: [3, 3], strides: [3, 3], padding: 'same', data_format: 'channels_last' });
    expect(layers.zeroPadding2d({ padding: 2 }).getConfig()).toMatchObject({ padding: [[2, 2], [2, 2]], data_format: 'channels_last' });
  });
});

describe('global pooling with keepdims (Keras 2.6+; tfjs-layers has no such argument)', () => {
  const cf = 'channelsFirst' as const;

  it('keeps the pooled axes as size 1 where they were, and writes keepdims as Keras 2.6+ does', () => {
    const img = input({ shape: [6, 5, 4] });
    const seq = input({ shape: [9, 3] });
    const cases: [GlobalPooling, typeof img, (number | null)[]][] = [
      [layers.globalAveragePooling2d({ keepdims: true }), img, [null, 1, 1, 4]],
      [layers.globalMaxPooling2d({ keepdims: true, dataFormat: cf }), img, [null, 6, 1, 1]],
      [layers.globalAveragePooling1d({ keepdims: true }), seq, [null, 1, 3]],
      [layers.globalMaxPooling1d({ keepdims: true }), seq, [null, 1, 3]],
      [layers.globalMaxPooling2d({ keepdims: false }), img, [null, 4]],
      [layers.globalAveragePooling1d(), seq, [null, 3]],
    ];
    for (const [pool, x, shape] of cases) {
      const m = model({ inputs: x, outputs: pool.apply(x) });
      expect(m.outputs[0]!.shape, pool.name).toEqual(shape);
      // The lowered reduction has the same shape (its keepdims attribute), and no weight.
      expect(m.toGraph().outputs[0]!.node.type.shape, pool.name).toEqual(shape);
      expect(pool.weights, pool.name).toHaveLength(0);
      expect(pool.getConfig().keepdims, pool.name).toBe(shape.length > 2);
    }
  });

  it('refuses a keepdims that is not true or false, naming the layer', () => {
    for (const make of [() => layers.globalAveragePooling2d({ keepdims: 'yes' as never, name: 'p' }), () => layers.globalMaxPooling1d({ keepdims: 1 as never, name: 'p' })]) {
      const e = catchNnc(make);
      expect([e.code, e.location?.layer]).toEqual(['NNC1006', 'p']);
      expect(e.message).toMatch(/keepdims must be true or false/);
      expect(e.hint).toMatch(/keepdims/);
    }
  });

  it('print Keras summary rows: (None, 1, 1, 32), (None, 32, 1, 1), (None, 1, 32), 0 params', () => {
    const img = input({ shape: [26, 26, 32], name: 'img' });
    const seq = input({ shape: [10, 32], name: 'seq' });
    const m = model({
      name: 'kept',
      inputs: [img, seq],
      outputs: [
        layers.globalAveragePooling2d({ keepdims: true, name: 'global_average_pooling2d' }).apply(img),
        layers.globalMaxPooling2d({ keepdims: true, dataFormat: cf, name: 'global_max_pooling2d' }).apply(img),
        layers.globalMaxPooling1d({ keepdims: true, name: 'global_max_pooling1d' }).apply(seq),
      ],
    });
    const text = m.summary(null);
    expect(text).toContain(" global_average_pooling2d (  (None, 1, 1, 32)             0         ['img[0][0]']                 \n GlobalAveragePooling2D)  ");
    expect(text).toContain(" global_max_pooling2d (Glob  (None, 26, 1, 1)             0         ['img[0][0]']                 \n alMaxPooling2D)  ");
    expect(text).toContain(" global_max_pooling1d (Glob  (None, 1, 32)                0         ['seq[0][0]']                 \n alMaxPooling1D)  ");
    expect(text).toContain('Total params: 0 (0.00 Byte)');
  });
});

type LayersJson = { modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } };

/** Writes tfjs Layers artifacts to a fresh directory and imports them with nnc. */
function reimport(modelJson: Record<string, unknown>, weightsBin: Uint8Array): LayersModel {
  const dir = mkdtempSync(join(tmpdir(), 'nnc-keepdims-'));
  writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
  writeFileSync(join(dir, 'weights.bin'), weightsBin);
  return loadTfjsLayersModel(join(dir, 'model.json'));
}

/** The first output of nnc's interpreter and of a tfjs model on the same random batch of 7. */
function predictBoth(ours: LayersModel, theirs: tf.LayersModel): { ours: ArrayLike<number>; theirs: ArrayLike<number>; shape: number[] } {
  const graph = ours.toGraph();
  const { tensors, flat } = randomInputs(graph, 7);
  const xs = graph.inputs.map((n) => tf.tensor(flat[n.name!]!, [7, ...(n.type.shape.slice(1) as number[])]));
  const y = [theirs.predict(xs.length === 1 ? xs[0]! : xs)].flat()[0] as tf.Tensor;
  const result = { ours: Object.values(interpret(graph, tensors))[0]!.data, theirs: y.dataSync(), shape: y.shape };
  tf.dispose([...xs, y]);
  return result;
}

describe('tfjs Layers JSON with keepdims', () => {
  it.each(['channelsLast', 'channelsFirst'] as const)('a Keras 2.x model.json with keepdims true (%s) imports and predicts as Keras computes it', async (dataFormat) => {
    await tfjsReady();
    // tfjs-layers has no keepdims: the reference is tfjs' pooling then a Reshape to the kept shape,
    // and the file is that model as Keras 2.6+ writes it, the Reshape folded into keepdims true.
    const kept = dataFormat === 'channelsFirst' ? [4, 1, 1] : [1, 1, 4];
    const original = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: dataFormat === 'channelsFirst' ? [3, 6, 5] : [6, 5, 3], filters: 4, kernelSize: 2, dataFormat }),
        tf.layers.globalAveragePooling2d({ dataFormat }),
        tf.layers.reshape({ targetShape: kept }),
        tf.layers.conv2d({ filters: 2, kernelSize: 1, dataFormat }),
      ],
    });
    const { dir, json } = await saveTfjsModel<LayersJson>(original);
    const entries = json.modelTopology.config.layers;
    expect(entries.map((l) => l.class_name)).toEqual(['Conv2D', 'GlobalAveragePooling2D', 'Reshape', 'Conv2D']);
    entries.splice(2, 1);
    entries[1]!.config.keepdims = true;
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    const imported = loadTfjsLayersModel(join(dir, 'model.json'));
    expect(imported.layers.map((l) => l.className)).toEqual(['Conv2D', 'GlobalAveragePooling2D', 'Conv2D']);
    expect(imported.layers[1]!.calls[0]!.output.shape).toEqual([null, ...kept]);
    const { ours, theirs, shape } = predictBoth(imported, original);
    expect(shape).toEqual([7, ...(dataFormat === 'channelsFirst' ? [2, 1, 1] : [1, 1, 2])]);
    expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(1e-5);
    original.dispose();
  });

  it('keepdims false and absent import as [N, C]; a keepdims that is not a boolean is refused by key', async () => {
    await tfjsReady();
    const original = tf.sequential({ layers: [tf.layers.globalMaxPooling1d({ inputShape: [5, 3] })] });
    const { dir, json } = await saveTfjsModel<LayersJson>(original);
    const config = json.modelTopology.config.layers[0]!.config;
    expect('keepdims' in config).toBe(false);
    for (const keepdims of [undefined, false]) {
      if (keepdims !== undefined) Object.assign(config, { keepdims, data_format: 'channels_last' });
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      const imported = loadTfjsLayersModel(join(dir, 'model.json'));
      expect(imported.outputs[0]!.shape, String(keepdims)).toEqual([null, 3]);
      const { ours, theirs } = predictBoth(imported, original);
      expect(maxAbsDiff(ours, theirs)).toBe(0);
    }
    config.keepdims = 'yes';
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    const e = catchNnc(() => loadTfjsLayersModel(join(dir, 'model.json')));
    expect(e.message).toMatch(/keepdims/);
    expect(e.message).toContain(config.name as string);
    original.dispose();
  });

  it('export writes keepdims as tfjs-layers reads it: the pooling, then a Reshape; tfjs and nnc load it back', async () => {
    await tfjsReady();
    resetNameScope();
    const img = input({ shape: [5, 4, 6], name: 'img' });
    const squeezed = layers.globalAveragePooling2d({ keepdims: true }).apply(img);
    const gate = layers.conv2d({ filters: 6, kernelSize: 1, activation: 'sigmoid' }).apply(squeezed);
    const functional = model({ inputs: img, outputs: layers.multiply().apply([img, gate]) });
    const stacked = sequential({ layers: [layers.globalMaxPooling2d({ inputShape: [3, 4, 5], dataFormat: 'channelsFirst', keepdims: true, name: 'gmp' })] });
    for (const m of [functional, stacked]) {
      const { modelJson, weightsBin } = toTfjsArtifacts(m);
      const pool = m.layers.find((l) => l.className.startsWith('Global'))!;
      const written = (modelJson.modelTopology as LayersJson['modelTopology']).config.layers;
      const at = written.findIndex((l) => l.config.name === pool.name);
      expect(written[at]!.config.keepdims, m.name).toBe(false);
      expect(written[at + 1], m.name).toMatchObject({ class_name: 'Reshape', config: { name: `${pool.name}_keepdims`, target_shape: pool.calls[0]!.output.shape.slice(1) } });
      const loaded = await loadArtifacts(JSON.parse(JSON.stringify(modelJson)) as Record<string, unknown>, weightsBin);
      const { ours, theirs, shape } = predictBoth(m, loaded);
      expect(shape, m.name).toEqual([7, ...(m.outputs[0]!.shape.slice(1) as number[])]);
      expect(maxAbsDiff(ours, theirs), m.name).toBeLessThanOrEqual(1e-6);
      const back = predictBoth(reimport(modelJson, weightsBin), loaded);
      expect(maxAbsDiff(back.ours, back.theirs), m.name).toBeLessThanOrEqual(1e-6);
      loaded.dispose();
    }
  });
});
