/**
 * The Conv2D layer: Keras' summary row and parameter count, glorotUniform's conv fans, the
 * refused unknown data format, and tfjs Layers JSON import (as tfjs saves it and in Keras 2.x
 * spellings) with tfjs's outputs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import { layers, sequential } from '../../src/index.js';
import { interpret } from '../../src/ir/interpreter.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';

describe('layers.conv2d', () => {
  it('prints the Keras summary row and counts kh·kw·C·F + F parameters', () => {
    const m = sequential({ layers: [layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] })] });
    expect(m.summary(null).split('\n')).toContain(' conv2d (Conv2D)             (None, 26, 26, 32)        320       ');
    expect(m.countParams()).toBe(3 * 3 * 1 * 32 + 32);
  });

  it('draws glorotUniform with fan_in = kh·kw·C and fan_out = kh·kw·F', () => {
    const m = sequential({ layers: [layers.conv2d({ filters: 16, kernelSize: [3, 5], inputShape: [10, 10, 4] })] });
    const limit = Math.sqrt(6 / (15 * 4 + 15 * 16));
    const kernel = m.layers[0]!.weights[0]!.data;
    expect(Math.max(...Array.from(kernel, Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...Array.from(kernel, Math.abs))).toBeGreaterThan(0.9 * limit);
  });

  it('refuses a dataFormat other than the two, naming the layer and the option', () => {
    const e = catchNnc(() => layers.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'NCHW' as 'channelsFirst', name: 'c1' }));
    expect(e.code).toBe('NNC1006');
    expect(e.message).toMatch(/c1/);
    expect(e.message).toMatch(/dataFormat 'NCHW'/);
  });
});

describe('tfjs Layers JSON import of Conv2D', () => {
  async function saved() {
    await tfjsReady();
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputShape: [9, 8, 3], biasInitializer: 'randomNormal', name: 'c1' }),
        tf.layers.conv2d({ filters: 5, kernelSize: [2, 2], dilationRate: 2, useBias: false, name: 'c2' }),
      ],
    });
    const { dir, json } = await saveTfjsModel<{ modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } }>(model);
    return { model, dir, json };
  }

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
    const { model, dir } = await saved();
    await expectSameOutputs(model, join(dir, 'model.json'));
    model.dispose();
  });

  it('reads Keras 2.x spellings: int sizes, groups, data_format', async () => {
    const { model, dir, json } = await saved();
    const [c1, c2] = json.modelTopology.config.layers.filter((l) => l.class_name === 'Conv2D').map((l) => l.config);
    Object.assign(c1!, { kernel_size: 3, strides: 2, dilation_rate: 1, groups: 1, data_format: 'channels_last' });
    Object.assign(c2!, { dilation_rate: 2, groups: 1 });
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    await expectSameOutputs(model, join(dir, 'model.json'));
    model.dispose();
  });

  it('refuses an unknown data_format', async () => {
    const { model, dir, json } = await saved();
    json.modelTopology.config.layers.find((l) => l.class_name === 'Conv2D')!.config.data_format = 'channels_middle';
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    expect(catchNnc(() => loadTfjsLayersModel(join(dir, 'model.json'))).message).toMatch(/data_format/);
    model.dispose();
  });
});
