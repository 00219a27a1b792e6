/**
 * Embedding as a model author and a tfjs Layers file meet it: tfjs-layers' names and defaults;
 * summary rows against tfjs' own model.summary(); getConfig against the config tfjs writes; import
 * of a model tfjs saved and of a Keras 2.x file (int32 InputLayer); export back to tfjs; training
 * gradients of embedding → gru → dense against tf.variableGrads and finite differences; refusals.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { toTfjsArtifacts } from '../../src/frontend/export-tfjs.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import type { LayersModel } from '../../src/frontend/model.js';
import { resetNameScope } from '../../src/frontend/naming.js';
import { input, layers, model, sequential } from '../../src/index.js';
import { interpret } from '../../src/ir/interpreter.js';
import { tensor, typedTensor } from '../../src/ir/tensor.js';
import { Random } from '../../src/frontend/random.js';
import { interpreterExecutor } from '../../src/train/executor.js';
import { Trainer } from '../../src/train/trainer.js';
import { loadWasmBackend, wasmExecutor } from '../../src/train/wasm-executor.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { expectConfigsMatchTfjs } from '../helpers/config-vs-tfjs.js';
import { describeGradientsVsTfjs, expectGradientsMatchFiniteDifferences } from '../helpers/gradients-vs-tfjs.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { summaryRowsWithTfjs } from '../helpers/summary-rows.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { loadArtifacts } from '../train/helpers/load-artifacts.js';

/** Token ids → embedding → gru → dense (linear: the tfjs twin splits activations into layers of their own), the text classifier's shape. */
function classifier(): LayersModel {
  resetNameScope();
  const x = input({ shape: [6], dtype: 'int32', name: 'tokens' });
  const y = layers.dense({ units: 3 }).apply(layers.gru({ units: 4 }).apply(layers.embedding({ inputDim: 15, outputDim: 5 }).apply(x)));
  return model({ inputs: x, outputs: y });
}

describe('embedding: the Layers API', () => {
  beforeAll(() => tfjsReady());

  it("takes tfjs-layers' names and defaults: embeddings uniform in [-0.05, 0.05], an int32 Sequential input", () => {
    resetNameScope();
    const e = layers.embedding({ inputDim: 100, outputDim: 8, inputLength: 10 });
    expect(e.name).toBe('embedding');
    const m = sequential({ layers: [e] });
    expect(m.inputs[0]!.shape).toEqual([null, 10]);
    expect(m.toGraph().inputs[0]!.type.dtype).toBe('i32');
    const w = e.weights[0]!;
    expect([w.name, w.shape]).toEqual(['embedding/embeddings', [100, 8]]);
    expect(Math.max(...Array.from(w.data, Math.abs))).toBeLessThanOrEqual(0.05);
    expect(Math.max(...Array.from(w.data, Math.abs))).toBeGreaterThan(0.04);
  });

  it('prints the rows tfjs model.summary() prints: output shapes and parameter counts', () => {
    const m = classifier();
    const { ours, theirs } = summaryRowsWithTfjs(m);
    expect(ours).toEqual(theirs);
    // inputDim · outputDim, as Keras prints it.
    expect(m.summary(null)).toContain(' embedding (Embedding)       (None, 6, 5)              75        ');
  });

  it('writes the config tfjs writes for the same layer', async () => {
    expect(await expectConfigsMatchTfjs(classifier())).toBe(3);
  });

  it('casts a float input to ids, as tfjs-layers does: the same outputs as from int32 ids', () => {
    const e = layers.embedding({ inputDim: 7, outputDim: 3 });
    const [xf, xi] = [input({ shape: [4] }), input({ shape: [4], dtype: 'int32' })];
    const [floats, ints] = [model({ inputs: xf, outputs: e.apply(xf) }).toGraph(), model({ inputs: xi, outputs: e.apply(xi) }).toGraph()];
    expect(floats.nodes.some((n) => n.op === 'cast')).toBe(true);
    const ids = [0, 6, 2, 2, 5, 1, 3, 4];
    const run = (g: typeof floats, x: ReturnType<typeof typedTensor>) => interpret(g, { [g.inputs[0]!.name!]: x })[g.outputs[0]!.name]!.data;
    expect(Array.from(run(floats, tensor([2, 4], ids)))).toEqual(Array.from(run(ints, typedTensor([2, 4], 'i32', ids))));
  });

  it('an id outside [0, inputDim) is refused at run time by the interpreter', () => {
    const graph = classifier().toGraph();
    expect(() => interpret(graph, { tokens: typedTensor([1, 6], 'i32', [1, 2, 3, 15, 0, 0]) })).toThrow(/index 15 is outside an axis of extent 15/);
  });
});

describe('embedding: tfjs Layers JSON', () => {
  beforeAll(() => tfjsReady());

  it('a model saved by tfjs imports and predicts as tfjs does', async () => {
    const original = tf.sequential({ layers: [tf.layers.embedding({ inputDim: 11, outputDim: 4, inputLength: 5 }), tf.layers.simpleRNN({ units: 3 })] });
    const { dir } = await saveTfjsModel(original);
    const graph = loadTfjsLayersModel(join(dir, 'model.json')).toGraph();
    expect(graph.inputs[0]!.type.dtype).toBe('i32');
    const { tensors, flat } = randomInputs(graph, 7);
    const ours = interpret(graph, tensors)[graph.outputs[0]!.name]!.data;
    const theirs = (original.predict(tf.tensor(flat[graph.inputs[0]!.name!]!, [7, 5], 'int32')) as tf.Tensor).dataSync();
    expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(1e-5);
    original.dispose();
  });

  it('reads a Keras 2.x file (int32 InputLayer, Embedding keys, mask_zero); refuses a regularizer by key', () => {
    resetNameScope();
    const reference = sequential({ layers: [layers.embedding({ inputDim: 9, outputDim: 3, inputLength: 4, name: 'embedding' })] });
    const w = reference.layers.at(-1)!.weights[0]!;
    const dir = mkdtempSync(join(tmpdir(), 'nnc-keras-embedding-'));
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength));
    const config: Record<string, unknown> = {
      name: 'embedding', trainable: true, batch_input_shape: [null, 4], dtype: 'float32', input_dim: 9, output_dim: 3,
      embeddings_initializer: { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } },
      embeddings_regularizer: null, activity_regularizer: null, embeddings_constraint: null, mask_zero: false, input_length: 4,
    };
    const json = {
      format: 'layers-model',
      modelTopology: {
        keras_version: '2.11.0', backend: 'tensorflow',
        model_config: { class_name: 'Sequential', config: { name: 'sequential', layers: [
          { class_name: 'InputLayer', config: { batch_input_shape: [null, 4], dtype: 'int32', sparse: false, ragged: false, name: 'embedding_input' } },
          { class_name: 'Embedding', config },
        ] } },
      },
      weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'embedding/embeddings', shape: [9, 3], dtype: 'float32' }] }],
    };
    const write = () => writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    write();
    const imported = loadTfjsLayersModel(join(dir, 'model.json')).toGraph();
    const ids = typedTensor([2, 4], 'i32', [0, 8, 3, 3, 1, 2, 7, 5]);
    const got = interpret(imported, { [imported.inputs[0]!.name!]: ids })[imported.outputs[0]!.name]!.data;
    expect(maxAbsDiff(got, interpret(reference.toGraph(), { [reference.inputNames[0]!]: ids })[reference.outputNames[0]!]!.data)).toBe(0);
    expect(Array.from(got.slice(3, 6))).toEqual(Array.from(w.data.slice(24, 27)));
    Object.assign(config, { mask_zero: true });
    write();
    const masked = loadTfjsLayersModel(join(dir, 'model.json'));
    expect(masked.layers.at(-1)).toMatchObject({ maskZero: true });
    expect(masked.outputs[0]!.masked).toBe(true);
    Object.assign(config, { embeddings_regularizer: { class_name: 'L2', config: { l2: 0.01 } } });
    write();
    const e = catchNnc(() => loadTfjsLayersModel(join(dir, 'model.json')));
    expect(e.code).toBe('NNC6001');
    expect(e.message).toContain('embeddings_regularizer');
  });

  it('exports to tfjs, which loads and predicts as nnc', async () => {
    const m = classifier();
    const { modelJson, weightsBin } = toTfjsArtifacts(m);
    const loaded = await loadArtifacts(JSON.parse(JSON.stringify(modelJson)) as Record<string, unknown>, weightsBin);
    const graph = m.toGraph();
    const { tensors, flat } = randomInputs(graph, 4);
    const want = interpret(graph, tensors)[graph.outputs[0]!.name]!.data;
    const got = (loaded.predict(tf.tensor(flat.tokens!, [4, 6], 'int32')) as tf.Tensor).dataSync();
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-6);
    loaded.dispose();
  });
});

// Tolerance 1e-4 of each gradient's scale: f32 sums over 6 steps in another order.
describeGradientsVsTfjs([{ name: 'embedding -> gru -> dense', make: classifier }], 7, 1e-4);

describe('embedding: gradients vs finite differences', () => {
  it('the scatter-add reaches every embedding row a batch used, an id used twice gets both', () => {
    expectGradientsMatchFiniteDifferences(classifier(), 2e-2, 3);
  });
});

describe('embedding: training on a data set of ids', () => {
  beforeAll(() => loadWasmBackend());

  it('feeds the numbers of x to the int32 input: the wasm executor trains as the interpreter; fractional ids are refused', () => {
    const rng = new Random(4);
    const ids = Float32Array.from({ length: 16 * 6 }, () => rng.int(15));
    const data = { x: tensor([16, 6], ids), y: tensor([16, 3], Float32Array.from({ length: 48 }, () => rng.uniform(-1, 1))) };
    const graph = classifier().toGraph();
    const trainer = (executor: typeof wasmExecutor) => new Trainer(graph, { optimizer: 'adam', loss: 'meanSquaredError' }, { seed: 3, executor });
    const [wasm, interpreter] = [wasmExecutor, interpreterExecutor].map((e) => trainer(e).fit(data, { epochs: 3, batchSize: 8 }).loss!);
    wasm!.forEach((loss, i) => expect(Math.abs(loss - interpreter![i]!)).toBeLessThan(1e-5));
    expect(wasm!.at(-1)!).toBeLessThan(wasm![0]!);
    ids[5] = 2.5;
    const e = catchNnc(() => trainer(interpreterExecutor).fit(data, { epochs: 1, batchSize: 8 }));
    expect([e.code, e.message]).toEqual(['NNC5002', expect.stringMatching(/x for input 'tokens' is an int32 input \(token ids\), but holds 2.5 at element \d+/)]);
  });
});

describe('the token-order example', () => {
  it('type-checks, loads and prints the Keras summary: Embedding(20, 8) over 12 ids, GRU(16), Dense(2)', () => {
    const { model: m } = loadModelFile('examples/token-order-gru/model.ts');
    const text = m.summary(null);
    // 20 · 8; 3 (8·16 + 16·16 + 16); 16·2 + 2.
    expect(text).toContain(' embedding (Embedding)       (None, 12, 8)             160       ');
    expect(text).toContain(' gru (GRU)                   (None, 16)                1200      ');
    expect(text).toContain(' dense (Dense)               (None, 2)                 34        ');
    expect(m.toGraph().inputs[0]!.type.dtype).toBe('i32');
  });
});

describe('embedding: refusals', () => {
  it('name the argument (NNC1006) or the shape (NNC2003)', () => {
    const cases: [() => unknown, string, RegExp][] = [
      [() => layers.embedding({ inputDim: 0, outputDim: 2 }), 'NNC1006', /inputDim must be a positive integer/],
      [() => layers.embedding({ inputDim: 4, outputDim: 1.5 }), 'NNC1006', /outputDim must be a positive integer/],
      [() => layers.embedding({ inputDim: 4, outputDim: 2, inputLength: 5 }).apply(input({ shape: [6], dtype: 'int32' })), 'NNC2003', /inputLength \[5\] does not match/],
      [() => input({ shape: [3], dtype: 'int64' as 'int32' }), 'NNC1006', /dtype must be 'float32' or 'int32'/],
    ];
    for (const [make, code, message] of cases) {
      const e = catchNnc(make);
      expect(e.code).toBe(code);
      expect(e.message).toMatch(message);
    }
  });
});
