/**
 * SimpleRNN, GRU and LSTM as a model author and a tfjs Layers file meet them: tfjs-layers' names
 * and defaults; summary rows (output shape, parameter count) against tfjs' own model.summary();
 * getConfig against the config tfjs writes; import of models tfjs saved and of a Keras 2.x file
 * (cell-scoped weight names, reset_after); export back to tfjs; refusals with their codes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { toTfjsArtifacts } from '../../src/frontend/export-tfjs.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import type { LayersModel } from '../../src/frontend/model.js';
import { resetNameScope } from '../../src/frontend/naming.js';
import { input, layers, model, sequential } from '../../src/index.js';
import { interpret } from '../../src/ir/interpreter.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { expectConfigsMatchTfjs } from '../helpers/config-vs-tfjs.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { summaryRowsWithTfjs } from '../helpers/summary-rows.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { loadArtifacts } from '../train/helpers/load-artifacts.js';

/** The layers of this family stacked, as tfjs-layers can build them (its GRU resets before the matmul). */
function stack(): LayersModel {
  resetNameScope();
  const x = input({ shape: [6, 3], name: 'seq' });
  let y = layers.lstm({ units: 5, returnSequences: true }).apply(x);
  y = layers.gru({ units: 4, returnSequences: true, goBackwards: true, recurrentActivation: 'sigmoid' }).apply(y);
  y = layers.layerNormalization({ epsilon: 0.01 }).apply(y);
  y = layers.bidirectional({ layer: layers.lstm({ units: 2, returnSequences: true }), mergeMode: 'ave' }).apply(y);
  y = layers.simpleRNN({ units: 3, activation: 'relu', useBias: false }).apply(y);
  y = layers.repeatVector({ n: 2 }).apply(y);
  y = layers.timeDistributed({ layer: layers.dense({ units: 2 }) }).apply(y);
  return model({ inputs: x, outputs: y });
}

/** A · Bᵀ for row-major A [m, k] and B [n, k]. */
function timesTransposed(a: Float32Array, b: Float32Array, m: number, n: number, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out.push(Array.from({ length: k }, (_, t) => a[i * k + t]! * b[j * k + t]!).reduce((s, v) => s + v, 0));
  return out;
}

describe('recurrent layers: the Layers API', () => {
  beforeAll(() => tfjsReady());

  it("take tfjs-layers' names and defaults; the recurrent kernel starts orthogonal, LSTM's forget bias at 1", () => {
    resetNameScope();
    const lstm = layers.lstm({ units: 4 });
    const gru = layers.gru({ units: 3 });
    const rnn = layers.simpleRNN({ units: 2 });
    expect([lstm.name, gru.name, rnn.name]).toEqual(['lstm', 'gru', 'simple_rnn']);
    expect([lstm.activation, lstm.recurrentActivation, lstm.useBias, lstm.returnSequences, lstm.goBackwards, lstm.unitForgetBias]).toEqual(['tanh', 'hardSigmoid', true, false, false, true]);
    expect([gru.recurrentActivation, gru.resetAfter, rnn.activation]).toEqual(['hardSigmoid', false, 'tanh']);
    const x = input({ shape: [5, 6] });
    lstm.apply(x);
    const [kernel, recurrent, bias] = lstm.weights;
    expect([kernel!.shape, recurrent!.shape, bias!.shape]).toEqual([[6, 16], [4, 16], [16]]);
    expect(Array.from(bias!.data)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    // [4, 16]: its rows are orthonormal. Read as [16, 4] columns it would not be; Keras orthogonalizes the shorter side.
    const gram = timesTransposed(recurrent!.data, recurrent!.data, 4, 4, 16);
    gram.forEach((v, i) => expect(v).toBeCloseTo(i % 5 === 0 ? 1 : 0, 5));
    const square = layers.simpleRNN({ units: 5 });
    square.apply(x);
    const r = square.weights[1]!.data;
    timesTransposed(r, r, 5, 5, 5).forEach((v, i) => expect(v).toBeCloseTo(i % 6 === 0 ? 1 : 0, 5));
    layers.gru({ units: 3, resetAfter: true }).apply(x);
  });

  it('print the rows tfjs model.summary() prints: output shapes and parameter counts', () => {
    const m = stack();
    const { ours, theirs } = summaryRowsWithTfjs(m);
    expect(ours).toEqual(theirs);
    // 4 (F U + U U + U) for LSTM, 3 (...) for GRU, U (F + U) without bias for SimpleRNN.
    // Bidirectional: two LSTMs' worth.
    expect(ours.map((r) => r[1])).toEqual([0, 4 * (3 * 5 + 5 * 5 + 5), 3 * (5 * 4 + 4 * 4 + 4), 2 * 4, 2 * 4 * (4 * 2 + 2 * 2 + 2), 3 * (2 + 3), 0, 3 * 2 + 2]);
    resetNameScope();
    const reset = sequential({ layers: [layers.gru({ inputShape: [7, 2], units: 3, resetAfter: true })] });
    // Keras: resetAfter has two bias rows, 3 (F U + U U + 2 U).
    expect(reset.summary(null)).toContain(' gru (GRU)                   (None, 3)                 63        ');
  });

  it('write the config tfjs writes for the same layer', async () => {
    expect(await expectConfigsMatchTfjs(stack())).toBe(7);
  });
});

describe('recurrent layers: tfjs Layers JSON', () => {
  beforeAll(() => tfjsReady());

  it('models saved by tfjs import and predict as tfjs does', async () => {
    const original = tf.sequential({
      layers: [
        tf.layers.lstm({ inputShape: [5, 3], units: 4, returnSequences: true, recurrentActivation: 'sigmoid' }),
        tf.layers.gru({ units: 3, returnSequences: true, goBackwards: true }),
        tf.layers.layerNormalization({ epsilon: 0.01 }),
        tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 2, returnSequences: true }) as tf.RNN, mergeMode: 'concat' }),
        tf.layers.simpleRNN({ units: 2 }),
        tf.layers.repeatVector({ n: 3 }),
        tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2 }) }),
      ],
    });
    const { dir } = await saveTfjsModel(original);
    const graph = loadTfjsLayersModel(join(dir, 'model.json')).toGraph();
    const { tensors, flat } = randomInputs(graph, 7);
    const ours = interpret(graph, tensors)[graph.outputs[0]!.name]!.data;
    const theirs = (original.predict(tf.tensor(flat[graph.inputs[0]!.name!]!, [7, 5, 3])) as tf.Tensor).dataSync();
    expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(1e-5);
    original.dispose();
  });

  it('reads a Keras 2.x file: weights under the cell, GRU reset_after, implementation, time_major', () => {
    resetNameScope();
    const reference = sequential({ layers: [layers.gru({ inputShape: [4, 3], units: 5, resetAfter: true, recurrentActivation: 'sigmoid', name: 'gru' })] });
    const [kernel, recurrent, bias] = reference.layers.at(-1)!.weights;
    const dir = mkdtempSync(join(tmpdir(), 'nnc-keras-gru-'));
    const names = ['gru/gru_cell/kernel', 'gru/gru_cell/recurrent_kernel', 'gru/gru_cell/bias'];
    const data = [kernel!, recurrent!, bias!];
    const bytes = new Uint8Array(data.reduce((n, w) => n + w.data.byteLength, 0));
    let at = 0;
    for (const w of data) bytes.set(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), (at += w.data.byteLength) - w.data.byteLength);
    writeFileSync(join(dir, 'weights.bin'), bytes);
    const gruConfig = {
      name: 'gru', trainable: true, dtype: 'float32', return_sequences: false, return_state: false, go_backwards: false, stateful: false, unroll: false, time_major: false,
      units: 5, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } }, recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1.0, seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} }, kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null,
      kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, dropout: 0.0, recurrent_dropout: 0.0, implementation: 2, reset_after: true,
    };
    const json = {
      format: 'layers-model',
      modelTopology: {
        keras_version: '2.11.0', backend: 'tensorflow',
        model_config: { class_name: 'Sequential', config: { name: 'sequential', layers: [
          { class_name: 'InputLayer', config: { batch_input_shape: [null, 4, 3], dtype: 'float32', sparse: false, ragged: false, name: 'gru_input' } },
          { class_name: 'GRU', config: gruConfig },
        ] } },
      },
      weightsManifest: [{ paths: ['weights.bin'], weights: names.map((name, i) => ({ name, shape: data[i]!.shape, dtype: 'float32' })) }],
    };
    const write = () => writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    write();
    const imported = loadTfjsLayersModel(join(dir, 'model.json')).toGraph();
    const graph = reference.toGraph();
    const { tensors } = randomInputs(graph, 3);
    const want = interpret(graph, tensors)[graph.outputs[0]!.name]!.data;
    const got = interpret(imported, { [imported.inputs[0]!.name!]: Object.values(tensors)[0]! })[imported.outputs[0]!.name]!.data;
    expect(maxAbsDiff(got, want)).toBe(0);
    // What nnc does not compute is refused by key, all at once.
    // Dropout only acts while training: the same function at inference.
    Object.assign(gruConfig, { dropout: 0.2, recurrent_dropout: 0.3 });
    write();
    const dropping = loadTfjsLayersModel(join(dir, 'model.json'));
    expect(dropping.layers.at(-1)).toMatchObject({ dropout: 0.2, recurrentDropout: 0.3 });
    expect(maxAbsDiff(interpret(dropping.toGraph(), { [imported.inputs[0]!.name!]: Object.values(tensors)[0]! })[imported.outputs[0]!.name]!.data, want)).toBe(0);
    Object.assign(gruConfig, { time_major: true, stateful: true });
    write();
    const e = catchNnc(() => loadTfjsLayersModel(join(dir, 'model.json')));
    expect(e.code).toBe('NNC6001');
    for (const key of ['time_major', 'stateful']) expect(e.message).toContain(key);
  });

  it('exports to tfjs, which loads and predicts as nnc; refuses GRU resetAfter, which tfjs lacks', async () => {
    const m = stack();
    const { modelJson, weightsBin } = toTfjsArtifacts(m);
    const loaded = await loadArtifacts(JSON.parse(JSON.stringify(modelJson)) as Record<string, unknown>, weightsBin);
    const graph = m.toGraph();
    const { tensors, flat } = randomInputs(graph, 4);
    const want = interpret(graph, tensors)[graph.outputs[0]!.name]!.data;
    const got = (loaded.predict(tf.tensor(flat.seq!, [4, 6, 3])) as tf.Tensor).dataSync();
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5);
    loaded.dispose();
    const x = input({ shape: [3, 2] });
    const e = catchNnc(() => toTfjsArtifacts(model({ inputs: x, outputs: layers.gru({ units: 2, resetAfter: true, name: 'ra' }).apply(x) })));
    expect([e.code, e.location?.layer]).toEqual(['NNC4001', 'ra']);
  });
});

describe('the LSTM example', () => {
  it('type-checks, loads and prints the Keras summary: LSTM(128) over 28 rows, Dense(10)', () => {
    const { model: m } = loadModelFile('examples/fashion-mnist-lstm/model.ts');
    const text = m.summary(null);
    // 4 (28·128 + 128·128 + 128) and 128·10 + 10, as Keras prints them.
    expect(text).toContain(' lstm (LSTM)                 (None, 128)               80384     ');
    expect(text).toContain(' dense (Dense)               (None, 10)                1290      ');
    expect(m.toGraph().outputs[0]!.node.type.shape).toEqual([null, 10]);
  });
});

describe('recurrent layers: refusals', () => {
  it('name the argument (NNC1006) or the shape (NNC2003)', () => {
    const cases: [() => unknown, string, RegExp][] = [
      [() => layers.lstm({ units: 0 }), 'NNC1006', /units/],
      [() => layers.gru({ units: 2, dropout: 1 }), 'NNC1006', /dropout must be in/],
      [() => layers.simpleRNN({ units: 2, recurrentDropout: -0.1 }), 'NNC1006', /recurrentDropout must be in/],
      [() => layers.lstm({ units: 2, dropout: 0.2, implementation: 1 }), 'NNC1006', /one mask per gate/],
      [() => layers.simpleRNN({ units: 2, stateful: true }), 'NNC1006', /stateful/],
      [() => layers.lstm({ units: 2, implementation: 3 }), 'NNC1006', /implementation/],
      [() => layers.lstm({ units: 2, recurrentActivation: 'nope' }), 'NNC1005', /nope/],
      [() => layers.bidirectional({ layer: layers.dense({ units: 2 }) as never }), 'NNC1006', /recurrent layer/],
      [() => layers.timeDistributed({ layer: layers.conv2d({ filters: 2, kernelSize: 3 }) }), 'NNC1006', /wrapping Conv2D/],
      [() => layers.timeDistributed({ layer: layers.dense({ units: 2 }) }).apply(input({ shape: [4] })), 'NNC2003', /steps/],
      [() => layers.repeatVector({ n: 0 }), 'NNC1006', /n must/],
      [() => layers.repeatVector({ n: 2 }).apply(input({ shape: [3, 4] })), 'NNC2003', /batch, features/],
      [() => { const x = input({ shape: [3, 2] }); return layers.bidirectional({ layer: layers.gru({ units: 2 }) }).apply([x, input({ shape: [2] })]); }, 'NNC1006', /both directions/],
      [() => layers.gru({ units: 2 }).apply(input({ shape: [4] })), 'NNC2003', /steps, features/],
      [() => { const x = input({ shape: [3, 2] }); return layers.lstm({ units: 2 }).apply([x, input({ shape: [2] })]); }, 'NNC1006', /2 initial states/],
      [() => { const x = input({ shape: [3, 2] }); return layers.gru({ units: 2 }).apply([x, input({ shape: [3] })]); }, 'NNC2003', /initial state/],
    ];
    for (const [make, code, message] of cases) {
      const e = catchNnc(make);
      expect(e.code, String(message)).toBe(code);
      expect(e.message).toMatch(message);
    }
  });
});
