/**
 * The pooling and padding layers as a model author and a tfjs Layers file meet them: Keras
 * names, argument spellings and defaults, summary rows, refusals, and tfjs Layers JSON import.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import { resetNameScope } from '../../src/frontend/naming.js';
import { input, layers, model, sequential } from '../../src/index.js';
import { interpret } from '../../src/ir/interpreter.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';

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
