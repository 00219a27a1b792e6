import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { interpret } from '../../src/ir/interpreter.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { buildTfjsTwin, tfjsReady } from '../helpers/tfjs-twin.js';

const saveTfjs = (model: tf.LayersModel) => saveTfjsModel(model);


describe('tfjs Layers JSON import', () => {
  for (const name of ['seed-sequential', 'two-inputs', 'shared-layer', 'branches']) {
    it(`${name}: a model saved by tfjs imports with the same outputs`, async () => {
      await tfjsReady();
      const original = loadModelFile(FIXTURES.find((f) => f.name === name)!.path, { typeCheck: false }).model;
      const twin = buildTfjsTwin(original);
      const { dir } = await saveTfjs(twin);
      twin.dispose();
      const imported = loadTfjsLayersModel(join(dir, 'model.json'));
      expect(imported.countParams()).toBe(original.countParams());
      const g0 = original.toGraph();
      const g1 = imported.toGraph();
      const { tensors } = randomInputs(g0, 5);
      const a = interpret(g0, tensors);
      const b = interpret(g1, tensors);
      const outs0 = Object.values(a);
      const outs1 = Object.values(b);
      expect(outs1.length).toBe(outs0.length);
      for (let i = 0; i < outs0.length; i++) expect(maxAbsDiff(outs0[i]!.data, outs1[i]!.data)).toBeLessThanOrEqual(1e-6);
    });
  }

  it('imports a tfjs Sequential model', async () => {
    await tfjsReady();
    const seq = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'tanh', name: 'hidden' }), tf.layers.dense({ units: 2, name: 'out' })] });
    const { dir } = await saveTfjs(seq);
    const imported = loadTfjsLayersModel(join(dir, 'model.json'));
    expect(imported.kind).toBe('sequential');
    expect(imported.layers.map((l) => l.name)).toEqual(['hidden', 'out']);
    const x = tf.tensor([[0.1, -0.2, 0.3, 0.9]]);
    const want = (await (seq.predict(x) as tf.Tensor).data()) as Float32Array;
    const got = interpret(imported.toGraph(), { [imported.inputNames[0]!]: { shape: [1, 4], data: new Float32Array([0.1, -0.2, 0.3, 0.9]) } });
    expect(maxAbsDiff(Object.values(got)[0]!.data, want)).toBeLessThanOrEqual(1e-6);
  });

  it('reports a cycle in the layer graph with its path', async () => {
    await tfjsReady();
    const original = loadModelFile(FIXTURES.find((f) => f.name === 'residual')!.path, { typeCheck: false }).model;
    const { dir, json } = await saveTfjs(buildTfjsTwin(original));
    const layers = (json.modelTopology as { config: { layers: { name: string; inbound_nodes: unknown[][][] }[] } }).config.layers;
    // dense_1 now reads from dense_2, which (through dropout_1) reads from dense_1.
    layers.find((l) => l.name === 'dense_1')!.inbound_nodes = [[['dense_2', 0, 0, {}]]];
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    const e = catchNnc(() => loadTfjsLayersModel(join(dir, 'model.json')));
    expect(e.code).toBe('NNC2001');
    expect(e.message).toMatch(/dense_1 -> .*dense_2 -> .*dense_1|dense_2 -> .*dense_1 -> .*dense_2|dropout_1 -> .*dropout_1/);
  });

  it('lists every unsupported layer at once, by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnc-tfjs-'));
    const layer = (class_name: string, name: string) => ({ class_name, config: { name } });
    writeFileSync(
      join(dir, 'model.json'),
      JSON.stringify({ modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [layer('Conv3D', 'conv'), layer('Dense', 'd'), layer('ConvLSTM2D', 'rnn')] } } }),
    );
    const e = catchNnc(() => loadTfjsLayersModel(join(dir, 'model.json')));
    expect(e.code).toBe('NNC6001');
    expect(e.message).toContain("Conv3D (layer 'conv')".replace(" (layer 'conv')", '')); // class named
    expect(e.message).toContain("layer 'conv'");
    expect(e.message).toContain("layer 'rnn'");
    expect(e.message).toContain('2 problem(s)');
  });

  it('reports a malformed file and a missing weight shard', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnc-tfjs-'));
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    expect(catchNnc(() => loadTfjsLayersModel(join(dir, 'bad.json'))).code).toBe('NNC6002');
    await tfjsReady();
    const seq = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    const saved = await saveTfjs(seq);
    const manifest = saved.json.weightsManifest as { paths: string[] }[];
    manifest[0]!.paths = ['missing.bin'];
    writeFileSync(join(saved.dir, 'model.json'), JSON.stringify(saved.json));
    const e = catchNnc(() => loadTfjsLayersModel(join(saved.dir, 'model.json')));
    expect(e.code).toBe('NNC6002');
    expect(e.message).toContain('missing.bin');
  });
});
