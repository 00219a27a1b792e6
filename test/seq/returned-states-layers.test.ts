/**
 * Returned states as a model author and a tfjs Layers file meet them: the list apply() returns
 * (typed from returnState in a model file), the summary's rows and `layer[0][k]` links, a model
 * tfjs saved with returned states and a two-output Bidirectional imported and predicting as tfjs,
 * the export read back by tfjs, and the Sequential refusal.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toTfjsArtifacts } from '../../src/frontend/export-tfjs.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import type { LayersModel } from '../../src/frontend/model.js';
import { resetNameScope } from '../../src/frontend/naming.js';
import { input, layers, model, sequential } from '../../src/index.js';
import { interpret } from '../../src/ir/interpreter.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { loadArtifacts } from '../train/helpers/load-artifacts.js';
import { removeTempDirs, tempDir } from '../wasm/temp.js';

beforeAll(() => tfjsReady());
afterAll(() => removeTempDirs());

/** An encoder whose states start a decoder, a two-output Bidirectional, and a state as an output. */
function encoderDecoder(): LayersModel {
  resetNameScope();
  const source = input({ shape: [5, 3], name: 'source' });
  const target = input({ shape: [4, 2], name: 'target' });
  const [encoded, h, c] = layers.lstm({ units: 4, returnState: true, name: 'encoder' }).apply(source);
  const decoded = layers.lstm({ units: 4, returnSequences: true, name: 'decoder' }).apply([target, h!, c!]);
  const [forward, backward] = layers.bidirectional({ layer: layers.gru({ units: 3, returnSequences: true }), mergeMode: null, name: 'both' }).apply(decoded);
  const head = layers.dense({ units: 2, name: 'head' }).apply(forward!);
  return model({ inputs: [source, target], outputs: [head, backward!, c!, encoded!] });
}

/** Every output of the interpreter and of a tfjs model on the same random inputs: the largest difference. */
function largestDifference(m: LayersModel, tfModel: tf.LayersModel, batch: number): number {
  const graph = m.toGraph();
  const { tensors, flat } = randomInputs(graph, batch);
  const ours = interpret(graph, tensors);
  const xs = m.inputs.map((t) => tf.tensor(flat[t.layer.name]!, [batch, ...(t.shape.slice(1) as number[])]));
  const theirs = tfModel.predict(xs) as tf.Tensor[];
  const diffs = graph.outputs.map((o, i) => maxAbsDiff(ours[o.name]!.data, theirs[i]!.dataSync()));
  tf.dispose([...xs, ...theirs]);
  return Math.max(...diffs);
}

describe('returned states: the Layers API', () => {
  it('apply() returns [output, ...states]; the summary prints the list and links `layer[0][k]` as Keras', () => {
    const m = encoderDecoder();
    expect(m.outputs.map((t) => [t.layer.name, t.index, t.shape])).toEqual([
      ['head', 0, [null, 4, 2]],
      ['both', 1, [null, 4, 3]],
      ['encoder', 2, [null, 4]],
      ['encoder', 0, [null, 4]],
    ]);
    const rows = m.summary(null).split('\n').map((l) => l.trimEnd());
    // Keras prints a layer's list of output shapes, wrapped after each `),`, and links the tensor by index.
    const encoder = rows.findIndex((l) => l.startsWith(' encoder (LSTM)'));
    expect(rows.slice(encoder, encoder + 3)).toEqual([
      " encoder (LSTM)              [(None, 4),                  128       ['source[0][0]']",
      '                              (None, 4),',
      '                              (None, 4)]',
    ]);
    const decoder = rows.findIndex((l) => l.startsWith(' decoder (LSTM)'));
    expect(rows.slice(decoder, decoder + 3).map((l) => l.split(/ {2,}/).at(-1))).toEqual(["['target[0][0]',", "'encoder[0][1]',", "'encoder[0][2]']"]);
    // Bidirectional with mergeMode null: two outputs, two GRUs' parameters (2 · 3 (4·3 + 3·3 + 3)).
    expect(rows).toContain(" both (Bidirectional)        [(None, 4, 3),               144       ['decoder[0][0]']");
    expect(rows).toContain(" head (Dense)                (None, 4, 2)                 8         ['both[0][0]']");
  });

  it('a model file destructures the list with its types (strict TypeScript)', () => {
    const dir = tempDir('returned-states');
    writeFileSync(
      join(dir, 'model.ts'),
      `import { input, layers, model } from 'nnc';
const x = input({ shape: [6, 3] });
const [sequence, h] = layers.gru({ units: 4, returnSequences: true, returnState: true }).apply(x);
const y = layers.dense({ units: 2 }).apply(h!);
export default model({ inputs: x, outputs: [y, sequence!] });
`,
    );
    const { model: m } = loadModelFile(join(dir, 'model.ts'));
    expect(m.outputs.map((t) => t.shape)).toEqual([[null, 2], [null, 6, 4]]);
  });

  it('a Sequential model refuses a layer that returns its states (NNC2006), as Keras', () => {
    const s = sequential({ layers: [layers.lstm({ inputShape: [3, 2], units: 2, returnState: true, name: 'stateful_out' })] });
    const e = catchNnc(() => s.toGraph());
    expect([e.code, e.location?.layer]).toEqual(['NNC2006', 'stateful_out']);
    expect(e.hint).toMatch(/Functional model/);
  });
});

describe('returned states: tfjs Layers JSON', () => {
  it('a model tfjs saved with returned states and a two-output Bidirectional imports and predicts as tfjs', async () => {
    const source = tf.input({ shape: [5, 3] });
    const target = tf.input({ shape: [4, 2] });
    const [encoded, h, c] = tf.layers.lstm({ units: 4, returnState: true }).apply(source) as tf.SymbolicTensor[];
    const decoded = tf.layers.lstm({ units: 4, returnSequences: true }).apply([target, h!, c!]) as tf.SymbolicTensor;
    const both = tf.layers.bidirectional({ layer: tf.layers.gru({ units: 3, returnSequences: true }) as tf.RNN, mergeMode: null as unknown as 'concat' }).apply(decoded) as tf.SymbolicTensor[];
    const head = tf.layers.dense({ units: 2 }).apply(both[0]!) as tf.SymbolicTensor;
    const original = tf.model({ inputs: [source, target], outputs: [head, both[1]!, c!, encoded!] });
    const { dir } = await saveTfjsModel(original);
    const imported = loadTfjsLayersModel(join(dir, 'model.json'));
    expect(imported.outputs.map((t) => t.index)).toEqual([0, 1, 2, 0]);
    for (const batch of [1, 6]) expect(largestDifference(imported, original, batch)).toBeLessThanOrEqual(1e-5);
    original.dispose();
  });

  it('exports with tensor indices that tfjs reads back: the same outputs', async () => {
    const m = encoderDecoder();
    const { modelJson, weightsBin } = toTfjsArtifacts(m);
    const outputLayers = (modelJson.modelTopology as { config: { output_layers: unknown[] } }).config.output_layers;
    expect(outputLayers).toEqual([['head', 0, 0], ['both', 0, 1], ['encoder', 0, 2], ['encoder', 0, 0]]);
    const loaded = await loadArtifacts(JSON.parse(JSON.stringify(modelJson)) as Record<string, unknown>, weightsBin);
    expect(largestDifference(m, loaded, 3)).toBeLessThanOrEqual(1e-5);
    loaded.dispose();
  });
});
