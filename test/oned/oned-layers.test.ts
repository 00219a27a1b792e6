/**
 * The 1-D CNN layers, Cropping2D and the Average / Maximum / Minimum merges as a model author and
 * a tfjs Layers file meet them: Keras names, spellings and defaults; summary rows (output shape
 * and parameter count) against what tfjs' own model.summary() prints for the twin; getConfig
 * against the config tfjs writes for the same layer; tfjs Layers import of saved models (and the
 * Keras 2.x config variants); export back to tfjs; refusals with their codes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toTfjsArtifacts } from '../../src/frontend/export-tfjs.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import type { LayersModel } from '../../src/frontend/model.js';
import { resetNameScope } from '../../src/frontend/naming.js';
import { input, layers, model } from '../../src/index.js';
import { interpret } from '../../src/ir/interpreter.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { expectConfigsMatchTfjs } from '../helpers/config-vs-tfjs.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { summaryRowsWithTfjs } from '../helpers/summary-rows.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { loadArtifacts } from '../train/helpers/load-artifacts.js';

/** Every layer of this task in one Functional model (activation-free, so the twin has the same rows). */
function allLayers(): LayersModel {
  resetNameScope();
  const seq = input({ shape: [20, 3], name: 'seq' });
  let y = layers.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }).apply(seq);
  y = layers.conv1d({ filters: 6, kernelSize: [2], dilationRate: 2, useBias: false }).apply(y);
  y = layers.maxPooling1d().apply(y);
  y = layers.averagePooling1d({ poolSize: 3, strides: 1, padding: 'same' }).apply(y);
  const a = layers.globalMaxPooling1d().apply(y);
  const b = layers.globalAveragePooling1d().apply(y);
  const img = input({ shape: [8, 7, 6], name: 'img' });
  const cropped = layers.cropping2d({ cropping: [[1, 2], [3, 0]] }).apply(img);
  const c = layers.globalAveragePooling2d().apply(cropped);
  const merged = [layers.maximum().apply([a, b, c]), layers.minimum().apply([a, c]), layers.average().apply([a, b, c])];
  return model({ inputs: [seq, img], outputs: merged });
}

describe('1-D layers, Cropping2D and merges: the Layers API', () => {
  it('take Keras defaults, spellings and names', () => {
    resetNameScope();
    const conv = layers.conv1d({ filters: 2, kernelSize: [5] });
    expect([conv.name, conv.kernelSize, conv.strides, conv.padding, conv.dilationRate, conv.activation, conv.useBias]).toEqual(['conv1d', 5, 1, 'valid', 1, 'linear', true]);
    const pool = layers.maxPooling1d();
    expect([pool.name, pool.poolSize, pool.strides, pool.padding]).toEqual(['max_pooling1d', 2, 2, 'valid']);
    expect(layers.averagePooling1d({ poolSize: [3], strides: null }).strides).toBe(3);
    expect(layers.averagePooling1d({ poolSize: 3, strides: [1] }).name).toBe('average_pooling1d_1');
    expect(layers.zeroPadding1d().padding).toEqual([1, 1]);
    expect(layers.zeroPadding1d({ padding: [0, 3] }).padding).toEqual([0, 3]);
    expect(layers.cropping2d({ cropping: 2 }).cropping).toEqual([[2, 2], [2, 2]]);
    expect(layers.cropping2d({ cropping: [1, 3] }).cropping).toEqual([[1, 1], [3, 3]]);
    expect(layers.cropping2d({ cropping: [[0, 1], [2, 3]] }).cropping).toEqual([[0, 1], [2, 3]]);
    expect([layers.globalMaxPooling1d().name, layers.globalAveragePooling1d().name]).toEqual(['global_max_pooling1d', 'global_average_pooling1d']);
    expect([layers.average().name, layers.maximum().name, layers.minimum().name]).toEqual(['average', 'maximum', 'minimum']);
  });

  it('causal padding keeps the length and reads no future step', () => {
    const x = input({ shape: [6, 1] });
    const conv = layers.conv1d({ filters: 1, kernelSize: 3, padding: 'causal', dilationRate: 2, useBias: false });
    const m = model({ inputs: x, outputs: conv.apply(x) });
    expect(m.outputs[0]!.shape).toEqual([null, 6, 1]);
    conv.weights[0]!.data.set([1, 10, 100]);
    const graph = m.toGraph();
    const out = interpret(graph, { [graph.inputs[0]!.name!]: { shape: [1, 6, 1], data: Float32Array.of(1, 2, 3, 4, 5, 6) } })[m.outputNames[0]!]!.data;
    // y[t] = x[t-4] + 10 x[t-2] + 100 x[t], zeros before the start.
    expect(Array.from(out)).toEqual([100, 200, 310, 420, 531, 642]);
  });

  it('print the rows tfjs model.summary() prints: output shapes and parameter counts', async () => {
    await tfjsReady();
    const m = allLayers();
    const { ours, theirs } = summaryRowsWithTfjs(m);
    expect(ours).toHaveLength(13);
    // The two list rows in different orders (Keras by depth, tfjs by construction).
    const sorted = (rows: [string, number][]) => rows.map((r) => JSON.stringify(r)).sort();
    expect(sorted(ours)).toEqual(sorted(theirs));
    const text = m.summary(null);
    expect(text).toContain(' conv1d (Conv1D)             (None, 10, 4)                40  ');
    expect(text).toContain(' conv1d_1 (Conv1D)           (None, 8, 6)                 48  ');
    expect(text).toContain(' cropping2d (Cropping2D)     (None, 5, 4, 6)              0  ');
    expect(text).toContain('Total params: 88 (352.00 Byte)');
  });

  it('write the config tfjs writes for the same layer', async () => {
    expect(await expectConfigsMatchTfjs(allLayers())).toBe(11);
  });
});

describe('1-D layers, Cropping2D and merges: tfjs Layers JSON', () => {
  beforeAll(() => tfjsReady());

  it('models saved by tfjs import and predict as tfjs does', async () => {
    const seqModel = tf.sequential({
      layers: [
        tf.layers.conv1d({ inputShape: [16, 3], filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
        tf.layers.maxPooling1d({ poolSize: 2 }),
        tf.layers.conv1d({ filters: 4, kernelSize: 2, dilationRate: 2 }),
        tf.layers.averagePooling1d({ poolSize: 2, strides: 1, padding: 'same' }),
        tf.layers.globalMaxPooling1d({}),
        tf.layers.dense({ units: 3 }),
      ],
    });
    const x = tf.input({ shape: [9, 3] });
    const img = tf.input({ shape: [6, 6, 2] });
    const pooled = tf.layers.globalAveragePooling1d({}).apply(x) as tf.SymbolicTensor;
    const cropped = tf.layers.flatten().apply(tf.layers.cropping2D({ cropping: [[1, 0], [2, 1]] }).apply(img)) as tf.SymbolicTensor;
    const dense = tf.layers.dense({ units: 3 }).apply(cropped) as tf.SymbolicTensor;
    const outputs = [tf.layers.maximum().apply([pooled, dense]), tf.layers.minimum().apply([pooled, dense]), tf.layers.average().apply([pooled, dense, dense])] as tf.SymbolicTensor[];
    const funcModel = tf.model({ inputs: [x, img], outputs });
    for (const original of [seqModel, funcModel]) {
      const { dir } = await saveTfjsModel(original);
      const imported = loadTfjsLayersModel(join(dir, 'model.json'));
      const graph = imported.toGraph();
      const { tensors, flat } = randomInputs(graph, 7);
      const ours = interpret(graph, tensors);
      const xs = graph.inputs.map((n) => tf.tensor(flat[n.name!]!, [7, ...(n.type.shape.slice(1) as number[])]));
      const theirs = [original.predict(xs.length === 1 ? xs[0]! : xs)].flat() as tf.Tensor[];
      expect(theirs).toHaveLength(graph.outputs.length);
      graph.outputs.forEach((o, i) => expect(maxAbsDiff(ours[o.name]!.data, theirs[i]!.dataSync()), o.name).toBeLessThanOrEqual(1e-5));
      original.dispose();
    }
  });

  it('reads the Keras 2.x config variants: ints for sizes, strides null, causal padding, cropping forms, ZeroPadding1D', async () => {
    const original = tf.sequential({
      layers: [
        tf.layers.conv1d({ inputShape: [10, 2], filters: 3, kernelSize: 2 }),
        tf.layers.maxPooling1d({ poolSize: 2 }),
        tf.layers.reshape({ targetShape: [4, 3, 1] }),
        tf.layers.cropping2D({ cropping: 1 }),
      ],
    });
    type Json = { modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } };
    const { dir, json } = await saveTfjsModel<Json>(original);
    original.dispose();
    const [conv, pool, reshape, crop] = json.modelTopology.config.layers.map((l) => l.config);
    reshape!.target_shape = [6, 3, 1];
    Object.assign(conv!, { kernel_size: 2, strides: 1, dilation_rate: 1, padding: 'causal', groups: 1 });
    Object.assign(pool!, { pool_size: 2, strides: null });
    // Keras 2.x writes keepdims; ZeroPadding1D exists in Keras only.
    json.modelTopology.config.layers.splice(1, 0, { class_name: 'ZeroPadding1D', config: { name: 'zp', trainable: true, dtype: 'float32', padding: [0, 2] } });
    for (const cropping of [1, [1, 0], [[1, 0], [0, 1]]]) {
      crop!.cropping = cropping;
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      const m = loadTfjsLayersModel(join(dir, 'model.json'));
      const [c, zp, p] = m.layers.filter((l) => l.className !== 'InputLayer') as [ReturnType<typeof layers.conv1d>, ReturnType<typeof layers.zeroPadding1d>, ReturnType<typeof layers.maxPooling1d>];
      expect([c.kernelSize, c.padding, zp.padding, p.poolSize, p.strides]).toEqual([2, 'causal', [0, 2], 2, 2]);
      // causal keeps 10 steps, padding makes 12, pooling 6: a [6, 3, 1] image, cropped.
      expect(m.layers.at(-1)!.className).toBe('Cropping2D');
      const want = { '1': [null, 4, 1, 1], '[1,0]': [null, 4, 3, 1], '[[1,0],[0,1]]': [null, 5, 2, 1] }[JSON.stringify(cropping)];
      expect(m.outputs[0]!.shape).toEqual(want);
    }
  });

  it('refuses channels_first and unknown padding by key', async () => {
    const original = tf.sequential({ layers: [tf.layers.conv1d({ inputShape: [6, 2], filters: 1, kernelSize: 2 }), tf.layers.globalAveragePooling1d({})] });
    type Json = { modelTopology: { config: { layers: { config: Record<string, unknown> }[] } } };
    const { dir, json } = await saveTfjsModel<Json>(original);
    original.dispose();
    const [conv, pool] = json.modelTopology.config.layers.map((l) => l.config);
    conv!.padding = 'full';
    pool!.data_format = 'channels_first';
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    const e = catchNnc(() => loadTfjsLayersModel(join(dir, 'model.json')));
    expect(e.message).toMatch(/padding/);
    expect(e.message).toMatch(/data_format/);
  });

  it('exports to tfjs, which loads and predicts as nnc; refuses what tfjs cannot load', async () => {
    const m = allLayers();
    const { modelJson, weightsBin } = toTfjsArtifacts(m);
    const loaded = await loadArtifacts(JSON.parse(JSON.stringify(modelJson)) as Record<string, unknown>, weightsBin);
    const graph = m.toGraph();
    const { tensors, flat } = randomInputs(graph, 4);
    const want = interpret(graph, tensors);
    const xs = m.inputs.map((t) => tf.tensor(flat[t.layer.name]!, [4, ...(t.shape.slice(1) as number[])]));
    const got = loaded.predict(xs) as tf.Tensor[];
    graph.outputs.forEach((o, i) => expect(maxAbsDiff(got[i]!.dataSync(), want[o.name]!.data), o.name).toBeLessThanOrEqual(1e-5));
    loaded.dispose();
    const seq = input({ shape: [5, 2] });
    for (const layer of [layers.zeroPadding1d({ name: 'zp' }), layers.conv1d({ filters: 1, kernelSize: 2, padding: 'causal', name: 'zp' })]) {
      const e = catchNnc(() => toTfjsArtifacts(model({ inputs: seq, outputs: layer.apply(seq) })));
      expect(e.code).toBe('NNC4001');
      expect(e.location?.layer).toBe('zp');
    }
  });
});

describe('1-D layers, Cropping2D and merges: refusals', () => {
  it('name the bad argument (NNC1006) or the shape that does not fit (NNC2003)', () => {
    const bad: [() => unknown, string, RegExp][] = [
      [() => layers.conv1d({ filters: 0, kernelSize: 3 }), 'NNC1006', /filters/],
      [() => layers.conv1d({ filters: 2, kernelSize: [3, 3] as never }), 'NNC1006', /kernelSize/],
      [() => layers.conv1d({ filters: 2, kernelSize: 3, padding: 'full' as never }), 'NNC1006', /'valid', 'same' or 'causal'/],
      [() => layers.conv1d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 }), 'NNC1006', /dilationRate/],
      [() => layers.conv1d({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' }), 'NNC1006', /channelsFirst/],
      [() => layers.maxPooling1d({ poolSize: 0 }), 'NNC1006', /poolSize/],
      [() => layers.averagePooling1d({ strides: [1, 2] as never }), 'NNC1006', /strides/],
      [() => layers.averagePooling1d({ padding: 'causal' as never }), 'NNC1006', /padding/],
      [() => layers.globalMaxPooling1d({ dataFormat: 'channelsFirst' }), 'NNC1006', /channelsFirst/],
      [() => layers.zeroPadding1d({ padding: -1 }), 'NNC1006', /padding/],
      [() => layers.zeroPadding1d({ padding: [1, 2, 3] as never }), 'NNC1006', /padding/],
      [() => layers.cropping2d({ cropping: [[1], [2, 3]] as never }), 'NNC1006', /cropping/],
      [() => layers.cropping2d({ cropping: 1, dataFormat: 'NCHW' as 'channelsFirst' }), 'NNC1006', /dataFormat 'NCHW'/],
      [() => layers.conv1d({ filters: 2, kernelSize: 3 }).apply(input({ shape: [5, 5, 2] })), 'NNC2003', /\[batch, steps, channels\]/],
      [() => layers.conv1d({ filters: 2, kernelSize: 6 }).apply(input({ shape: [5, 2] })), 'NNC2003', /window/],
      [() => layers.maxPooling1d({ poolSize: 6 }).apply(input({ shape: [5, 2] })), 'NNC2003', /\(None, 5, 2\)/],
      [() => layers.globalAveragePooling1d().apply(input({ shape: [5, 5, 2] })), 'NNC2003', /steps/],
      [() => layers.cropping2d({ cropping: [2, 0] }).apply(input({ shape: [4, 4, 1] })), 'NNC2003', /leaves nothing/],
      [() => layers.maximum().apply([input({ shape: [3] })]), 'NNC1006', /at least 2 inputs/],
      [() => layers.minimum().apply([input({ shape: [3] }), input({ shape: [4] })]), 'NNC2003', /incompatible shapes/],
      [() => layers.average().apply([input({ shape: [3] }), input({ shape: [2, 3] })]), 'NNC2003', /incompatible shapes/],
    ];
    for (const [make, code, message] of bad) {
      const e = catchNnc(make);
      expect([e.code, e.message], String(make)).toEqual([code, expect.stringMatching(message)]);
      expect(e.hint, String(make)).toBeTruthy();
    }
  });
});

describe('1-D layers in a model file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nnc-oned-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, lines: string[]) => {
    writeFileSync(join(dir, name), lines.join('\n') + '\n');
    return join(dir, name);
  };

  it('type-checks and loads a Sequential model of them', () => {
    const path = write('model.ts', [
      "import { layers, sequential } from 'nnc';",
      'export default sequential({',
      '  layers: [',
      "    layers.conv1d({ inputShape: [32, 2], filters: 8, kernelSize: 5, padding: 'causal', dilationRate: 2, activation: 'relu' }),",
      '    layers.maxPooling1d({ poolSize: [2] }),',
      '    layers.zeroPadding1d({ padding: [1, 0] }),',
      "    layers.averagePooling1d({ poolSize: 3, strides: 1, padding: 'same' }),",
      '    layers.globalMaxPooling1d(),',
      "    layers.dense({ units: 3, activation: 'softmax' }),",
      '  ],',
      '});',
    ]);
    const { model: m } = loadModelFile(path);
    expect(m.layers.map((l) => l.className)).toEqual(['Conv1D', 'MaxPooling1D', 'ZeroPadding1D', 'AveragePooling1D', 'GlobalMaxPooling1D', 'Dense']);
    expect(m.outputs[0]!.shape).toEqual([null, 3]);
    expect(m.summary(null)).toContain('Total params: 115 (460.00 Byte)');
  });

  it("refuses a padding Conv1D does not have at the type check, at the file's line", () => {
    const line = "export default sequential({ layers: [layers.conv1d({ inputShape: [8, 1], filters: 1, kernelSize: 2, padding: 'full' })] });";
    const path = write('bad.ts', ["import { layers, sequential } from 'nnc';", line]);
    const e = catchNnc(() => loadModelFile(path));
    expect(e.code).toBe('NNC1001');
    expect([e.location?.line, e.location?.column]).toEqual([2, line.indexOf('padding') + 1]);
  });
});
