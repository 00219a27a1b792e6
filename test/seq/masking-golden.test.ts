/**
 * Masks: Masking and Embedding with maskZero, the layers that pass a mask on (Dense,
 * TimeDistributed, Bidirectional and recurrent layers with returnSequences) and the recurrent
 * layers that skip masked steps (their states carry over). Inputs are padded as users pad them:
 * row b keeps its first 1 + (5b mod T) steps, the rest is padding, and every third row also has
 * one padded step in the middle. Against tfjs (cpu) with the same weights, through the
 * interpreter, the wasm bundle (SIMD and scalar) and the WebGPU bundle (float inputs only: it
 * refuses int32), at batch 1, 7 and 64. Tolerance: 1e-5 of the output's scale.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import { Masking } from '../../src/frontend/layers/index.js';
import { interpret } from '../../src/ir/interpreter.js';
import { maxAbsDiff } from '../helpers/random-inputs.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { toTfjsArtifacts } from '../../src/frontend/export-tfjs.js';
import { expectConfigsMatchTfjs } from '../helpers/config-vs-tfjs.js';
import { summaryRowsWithTfjs } from '../helpers/summary-rows.js';
import { loadArtifacts } from '../train/helpers/load-artifacts.js';
import { input } from '../../src/frontend/layers/input-layer.js';
import { layers } from '../../src/frontend/layers/index.js';
import { model, type LayersModel } from '../../src/frontend/model.js';
import { sequential } from '../../src/frontend/sequential.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { describeTfjsGolden } from '../helpers/model-golden.js';
import { chain, padded } from './sequence-models.js';

const ids = (steps: number, ...stack: Parameters<typeof sequential>[0] extends infer A ? (A extends { layers?: infer L } ? L : never) : never) => (): LayersModel =>
  sequential({ layers: [layers.embedding({ inputDim: 9, outputDim: 3, maskZero: true, inputLength: steps }), ...(stack as never[])] });

const CASES: readonly { name: string; make: () => LayersModel; inputs: ReturnType<typeof padded> }[] = [
  { name: 'masking -> lstm -> dense', make: chain([6, 3], layers.masking(), layers.lstm({ units: 4 }), layers.dense({ units: 2 })), inputs: padded(0) },
  { name: 'masking -> gru returnSequences -> timeDistributed(dense)', make: chain([5, 2], layers.masking(), layers.gru({ units: 3, returnSequences: true }), layers.timeDistributed({ layer: layers.dense({ units: 2 }) })), inputs: padded(0) },
  { name: 'masking maskValue -1 -> simpleRNN goBackwards returnSequences', make: chain([4, 3], layers.masking({ maskValue: -1 }), layers.simpleRNN({ units: 3, goBackwards: true, returnSequences: true })), inputs: padded(-1) },
  { name: 'masking -> dense (passes the mask on) -> lstm returnSequences -> lstm', make: chain([5, 2], layers.masking(), layers.dense({ units: 3, activation: 'tanh' }), layers.lstm({ units: 3, returnSequences: true }), layers.lstm({ units: 2 })), inputs: padded(0) },
  { name: 'masking -> bidirectional lstm returnSequences -> gru', make: chain([5, 2], layers.masking(), layers.bidirectional({ layer: layers.lstm({ units: 2, returnSequences: true }) }), layers.gru({ units: 2 })), inputs: padded(0) },
  { name: 'embedding maskZero -> lstm -> dense', make: ids(6, layers.lstm({ units: 4 }), layers.dense({ units: 3, activation: 'softmax' })), inputs: padded(0) },
  { name: 'embedding maskZero -> bidirectional gru returnSequences, sum -> simpleRNN', make: ids(5, layers.bidirectional({ layer: layers.gru({ units: 3, returnSequences: true }), mergeMode: 'sum' }), layers.simpleRNN({ units: 2 })), inputs: padded(0) },
];

describeTfjsGolden('masks vs tfjs: $name', CASES);

describe('masks: tfjs Layers JSON', () => {
  it('a model with Masking and a masked LSTM, saved by tfjs, imports and predicts as tfjs on padded input', async () => {
    await tfjsReady();
    const original = tf.sequential({ layers: [tf.layers.masking({ inputShape: [5, 2], maskValue: 0 }), tf.layers.lstm({ units: 3, returnSequences: true }), tf.layers.gru({ units: 2 })] });
    const { dir } = await saveTfjsModel(original);
    const imported = loadTfjsLayersModel(join(dir, 'model.json'));
    expect(imported.layers.some((l) => l instanceof Masking && l.maskValue === 0)).toBe(true);
    const graph = imported.toGraph();
    const { tensors, flat } = padded(0)(graph, 6);
    const x = tf.tensor(flat[graph.inputs[0]!.name!]!, [6, 5, 2]);
    const want = (original.predict(x) as tf.Tensor).dataSync();
    expect(maxAbsDiff(interpret(graph, tensors)[graph.outputs[0]!.name]!.data, want)).toBeLessThanOrEqual(1e-5);
    tf.dispose(x);
    original.dispose();
  });
});

describe('masks: the Layers API', () => {
  /** Masking and a masked Embedding, each feeding recurrent layers, as one model. */
  const both = (): LayersModel => {
    const seq = input({ shape: [5, 3], name: 'seq' });
    const ids = input({ shape: [5], dtype: 'int32', name: 'ids' });
    const a = layers.lstm({ units: 4 }).apply(layers.masking({ maskValue: -1 }).apply(seq));
    const b = layers.gru({ units: 2, returnSequences: true }).apply(layers.embedding({ inputDim: 7, outputDim: 3, maskZero: true }).apply(ids));
    return model({ inputs: [seq, ids], outputs: [a, layers.simpleRNN({ units: 2 }).apply(b)] });
  };

  it("print the rows tfjs' model.summary() prints and write the configs tfjs writes (mask_value, mask_zero)", async () => {
    await tfjsReady();
    const m = both();
    const { ours, theirs } = summaryRowsWithTfjs(m);
    expect(ours).toEqual(theirs);
    expect(ours).toContainEqual(['[null,5,3]', 0]);
    expect(await expectConfigsMatchTfjs(m)).toBe(5);
  });

  it('export to tfjs, which reads the masks back and predicts as nnc on padded input', async () => {
    const m = both();
    const { modelJson, weightsBin } = toTfjsArtifacts(m);
    const loaded = await loadArtifacts(JSON.parse(JSON.stringify(modelJson)) as Record<string, unknown>, weightsBin);
    const graph = m.toGraph();
    const { tensors, flat } = padded(-1)(graph, 4);
    // The ids input pads with 0 (its padding id), the sequence with -1 (the mask value).
    const ids = tensors.ids!.data;
    ids.forEach((v, i) => (ids[i] = v < 0 ? 0 : v));
    flat.ids!.set(ids);
    const ours = interpret(graph, tensors);
    const xs = [tf.tensor(flat.seq!, [4, 5, 3]), tf.tensor(flat.ids!, [4, 5], 'int32')];
    const theirs = loaded.predict(xs) as tf.Tensor[];
    graph.outputs.forEach((o, i) => expect(maxAbsDiff(theirs[i]!.dataSync(), ours[o.name]!.data), o.name).toBeLessThanOrEqual(1e-5));
    tf.dispose([...xs, ...theirs]);
    loaded.dispose();
  });
});

describe('masks: refusals', () => {
  it('a layer that does not support masking refuses a masked input (NNC1006), as Keras and tfjs', () => {
    const x = input({ shape: [4, 2] });
    const e = catchNnc(() => layers.flatten({ name: 'flat' }).apply(layers.masking().apply(x)));
    expect([e.code, e.location?.layer]).toEqual(['NNC1006', 'flat']);
    expect(e.message).toMatch(/does not support masking/);
  });

  it('a recurrent layer without returnSequences ends the mask: what follows takes any layer', () => {
    const x = input({ shape: [4, 2] });
    const y = layers.flatten().apply(layers.lstm({ units: 2 }).apply(layers.masking().apply(x)));
    expect(y.masked).toBe(false);
    expect(model({ inputs: x, outputs: y }).toGraph().outputs).toHaveLength(1);
  });
});
