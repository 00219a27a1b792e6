/**
 * tfjs Layers models with data_format 'channels_first' (and Permute) saved by tfjs itself,
 * imported, and run by the interpreter against tfjs's own predictions (≤ 1e-5: conv sums of at
 * most 3·3·4 terms of magnitude ≤ 1 in a different order); the layers keep the format in
 * getConfig and summary shapes.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import { interpret } from '../../src/ir/interpreter.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';

describe('tfjs Layers import of channels_first layers', () => {
  it('a channels-first CNN saved by tfjs predicts as tfjs does', async () => {
    await tfjsReady();
    const cf = 'channelsFirst' as const;
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
    const withMax = tf.sequential({ layers: [tf.layers.globalMaxPooling2d({ inputShape: [3, 4, 5], dataFormat: cf })] });
    for (const m of [original, withMax]) {
      const { dir } = await saveTfjsModel(m);
      const imported = loadTfjsLayersModel(join(dir, 'model.json'));
      expect(imported.countParams()).toBe(m.countParams());
      const graph = imported.toGraph();
      const { tensors, flat } = randomInputs(graph, 5);
      const x = tf.tensor(flat[graph.inputs[0]!.name!]!, [5, ...(graph.inputs[0]!.type.shape.slice(1) as number[])]);
      const theirs = (m.predict(x) as tf.Tensor).dataSync();
      expect(maxAbsDiff(Object.values(interpret(graph, tensors))[0]!.data, theirs)).toBeLessThanOrEqual(1e-5);
      expect(imported.calls.map((c) => c.output.shape)).toEqual(m.layers.map((l) => l.outputShape));
      for (const layer of imported.layers) {
        const config = layer.getConfig();
        // tfjs's getConfig spells it in camelCase; its saved JSON (and ours) as Keras does.
        const theirs = m.getLayer(layer.name).getConfig();
        if ('data_format' in config) expect(config.data_format).toBe(theirs.dataFormat === 'channelsFirst' ? 'channels_first' : 'channels_last');
        if ('dims' in config) expect(config.dims).toEqual(m.getLayer(layer.name).getConfig().dims);
      }
      x.dispose();
      m.dispose();
    }
  });
});
