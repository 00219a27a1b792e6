/**
 * Malformed tfjs files are checked against their schema before any importer walks them: each
 * mutation below (the ones that used to crash inside the importers) gets NNC6002 naming the JSON
 * path of the problem. Weight sizes are checked before anything is allocated or read (NNC1025),
 * against --max-weights-mb.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { layers, sequential } from '../../src/frontend/index.js';
import { loadTfjsGraphModel } from '../../src/frontend/import/tfjs-graph.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import { DEFAULT_MAX_WEIGHTS_MB, setMaxWeightsMb } from '../../src/frontend/weight-limit.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { removeTempDirs, tempDir } from '../wasm/temp.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const layersModel = (): Json => ({
  format: 'layers-model',
  modelTopology: {
    class_name: 'Sequential',
    config: {
      name: 'seq',
      layers: [
        { class_name: 'Dense', config: { name: 'd1', units: 2, activation: 'relu', use_bias: true, batch_input_shape: [null, 3], dtype: 'float32' } },
        { class_name: 'Dense', config: { name: 'd2', units: 1, activation: 'linear', use_bias: false, dtype: 'float32' } },
      ],
    },
  },
  weightsManifest: [
    {
      paths: ['weights.bin'],
      weights: [
        { name: 'd1/kernel', shape: [3, 2], dtype: 'float32' },
        { name: 'd1/bias', shape: [2], dtype: 'float32' },
        { name: 'd2/kernel', shape: [2, 1], dtype: 'float32' },
      ],
    },
  ],
});

const graphModel = (): Json => ({
  format: 'graph-model',
  modelTopology: {
    node: [
      { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '2' }] } } } },
      { name: 'y', op: 'Relu', input: ['x'], attr: { T: { type: 'DT_FLOAT' } } },
    ],
  },
  signature: { outputs: { y: { name: 'y' } } },
  weightsManifest: [],
});

function write(json: Json): string {
  const dir = tempDir('malformed');
  writeFileSync(join(dir, 'weights.bin'), new Uint8Array(4 * 11));
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  return join(dir, 'model.json');
}

describe('malformed tfjs files', () => {
  afterAll(removeTempDirs);
  afterEach(() => setMaxWeightsMb(DEFAULT_MAX_WEIGHTS_MB));

  it('the unmutated files import', () => {
    expect(loadTfjsLayersModel(write(layersModel())).layers).toHaveLength(2);
    expect(loadTfjsGraphModel(write(graphModel())).outputs).toHaveLength(1);
  });

  it.each<[string, (j: Json) => void, string]>([
    ['a manifest that is an object', (j) => (j.weightsManifest = {}), '$.weightsManifest: '],
    ['paths: null', (j) => (j.weightsManifest[0].paths = null), '$.weightsManifest[0].paths'],
    ['a negative dimension', (j) => (j.weightsManifest[0].weights[0].shape = [-4, 4]), '$.weightsManifest[0].weights[0].shape[0]'],
    ['a fractional dimension', (j) => (j.weightsManifest[0].weights[1].shape = [0.5]), '$.weightsManifest[0].weights[1].shape[0]'],
    ['a layer that is null', (j) => (j.modelTopology.config.layers[1] = null), '$.modelTopology.config.layers[1]'],
    ['inbound_nodes: "abc"', (j) => (j.modelTopology.config.layers[1].inbound_nodes = 'abc'), '$.modelTopology.config.layers[1].inbound_nodes'],
    ['batch_input_shape: "abc"', (j) => (j.modelTopology.config.layers[0].config.batch_input_shape = 'abc'), '$.modelTopology.config.layers[0].config.batch_input_shape'],
    ['a class_name that is a number', (j) => (j.modelTopology.config.layers[0].class_name = 7), '$.modelTopology.config.layers[0].class_name'],
  ])('tfjs Layers: %s is NNC6002 at its JSON path', (_what, mutate, path) => {
    const json = layersModel();
    mutate(json);
    const e = catchNnc(() => loadTfjsLayersModel(write(json)));
    expect(e.code).toBe('NNC6002');
    expect(e.message).toContain(path);
  });

  it.each<[string, (j: Json) => void, string]>([
    ['node: "abc"', (j) => (j.modelTopology.node = 'abc'), '$.modelTopology.node'],
    ['a node with no op', (j) => delete j.modelTopology.node[1].op, '$.modelTopology.node[1].op'],
    ['an input list that is a string', (j) => (j.modelTopology.node[1].input = 'x'), '$.modelTopology.node[1].input'],
    ['a signature output with no name', (j) => (j.signature.outputs.y = {}), '$.signature.outputs.y.name'],
  ])('tfjs graph: %s is NNC6002 at its JSON path', (_what, mutate, path) => {
    const json = graphModel();
    mutate(json);
    const e = catchNnc(() => loadTfjsGraphModel(write(json)));
    expect(e.code).toBe('NNC6002');
    expect(e.message).toContain(path);
  });

  it('a manifest declaring more than the weight limit is refused before anything is read', () => {
    const json = layersModel();
    json.weightsManifest[0].weights[0].shape = [2 ** 20, 2 ** 11];
    const e = catchNnc(() => loadTfjsLayersModel(write(json)));
    expect(e.code).toBe('NNC1025');
    expect(e.message).toContain('8192.0 MB, over the limit of 2048.0 MB');
  });

  it('a layer with units: 1e9 is refused before its weights are allocated, and the limit is settable', () => {
    const huge = () => sequential({ layers: [layers.dense({ inputShape: [1000], units: 1e9 })] }).toGraph();
    const e = catchNnc(huge);
    expect(e.code).toBe('NNC1025');
    expect(e.message).toContain('dense');
    setMaxWeightsMb(0.01);
    expect(catchNnc(() => sequential({ layers: [layers.dense({ inputShape: [100], units: 100 })] }).toGraph()).code).toBe('NNC1025');
  });

  it('--max-weights-mb reaches the importers from the command line', async () => {
    const err: string[] = [];
    const io = { out: () => {}, err: (t: string) => err.push(t), isTTY: false };
    expect(await main(['ir', write(layersModel()), '--max-weights-mb', '0.00001'], io)).toBe(1);
    expect(err.join('')).toContain('NNC1025');
    expect(await main(['ir', write(layersModel()), '--max-weights-mb', '1'], io)).toBe(0);
  });
});
