/**
 * Keras-style training of a model with two inputs and two outputs, from code (`model.fit`,
 * `evaluate`, `predict` on the compiled backend), against tfjs' `fit` of the same model with the
 * same initial weights and data (no shuffling): per-epoch losses within 1e-4.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { input, layers, model } from '../../src/frontend/index.js';
import type { LayersModel } from '../../src/frontend/model.js';
import { Random } from '../../src/frontend/random.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { maxAbsDiff } from '../helpers/random-inputs.js';
import { buildTfjsTwin, tfjsReady } from '../helpers/tfjs-twin.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { compileBundle } from '../../src/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const N = 24;
const rng = new Random(21);
const values = (n: number) => Array.from({ length: n }, () => rng.uniform(-1, 1));
const image = { shape: [N, 6], data: values(N * 6) };
const meta = { shape: [N, 3], data: values(N * 3) };
const label = { shape: [N], data: Array.from({ length: N }, (_, i) => i % 3) };
const score = { shape: [N, 1], data: values(N) };

/** image → dense → concat(meta) → dense → two heads: `kind` (3-way softmax) and `score`. */
function twoByTwo(): LayersModel {
  const img = input({ shape: [6], name: 'image' });
  const met = input({ shape: [3], name: 'meta' });
  const a = layers.dense({ units: 8, activation: 'relu' }).apply(img);
  const joined = layers.concatenate().apply([a, met]);
  const trunk = layers.dense({ units: 8, activation: 'tanh' }).apply(joined);
  const kind = layers.dense({ units: 3, activation: 'softmax', name: 'kind' }).apply(trunk);
  const s = layers.dense({ units: 1, name: 'score' }).apply(trunk);
  return model({ inputs: [img, met], outputs: [kind, s] });
}

const tf2 = (t: { shape: number[]; data: number[] }) => tf.tensor(t.data, t.shape);

describe('fit / evaluate / predict from code, several inputs and outputs', () => {
  beforeAll(() => tfjsReady());

  it('per-epoch losses, per-output losses and accuracy equal tfjs fit within 1e-4; logs use Keras names', async () => {
    const m = twoByTwo();
    const twin = buildTfjsTwin(m);
    m.compile({ optimizer: { name: 'adam', learningRate: 0.02 }, loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'], metrics: { kind: ['accuracy'] } });
    twin.compile({ optimizer: tf.train.adam(0.02, 0.9, 0.999, 1e-7), loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'], metrics: { [twin.outputNames[0]!]: 'accuracy' } });
    const ours = await m.fit({ image, meta }, [label, score], { epochs: 4, batchSize: 8, shuffle: false, verbose: 0 });
    const theirs = await twin.fit([tf2(image), tf2(meta)], [tf2(label), tf2(score)], { epochs: 4, batchSize: 8, shuffle: false, verbose: 0 });
    expect(Object.keys(ours.history)).toEqual(['loss', 'kind_loss', 'score_loss', 'kind_accuracy']);
    expect(ours.epoch).toEqual([0, 1, 2, 3]);
    // The twin names its outputs after its layers (a Dense and its activation: `kind_act`).
    const [kindOut, scoreOut] = twin.outputNames;
    const pairs = [['loss', 'loss'], ['kind_loss', `${kindOut}_loss`], ['score_loss', `${scoreOut}_loss`], ['kind_accuracy', `${kindOut}_acc`]] as const;
    for (const [mine, tfName] of pairs) expect(maxAbsDiff(ours.history[mine]!, theirs.history[tfName] as number[]), mine).toBeLessThanOrEqual(1e-4);
    // The trained weights are the model's: evaluate and predict see them, as tfjs' do.
    const evaluated = (await m.evaluate([image, meta], { kind: label, score }, { batchSize: 10 })) as number[];
    const tfEvaluated = (twin.evaluate([tf2(image), tf2(meta)], [tf2(label), tf2(score)], { batchSize: 10 }) as tf.Scalar[]).map((t) => t.dataSync()[0]!);
    // tfjs 4.22's evaluate of a two-output model returns one value more than its metricsNames: an
    // extra copy of the first output's loss in front. The rest follow metricsNames.
    expect(tfEvaluated.length).toBe(twin.metricsNames.length + 1);
    const tfByName = Object.fromEntries(twin.metricsNames.map((name, i) => [name, tfEvaluated[i + 1]!]));
    expect(maxAbsDiff(evaluated, pairs.map(([, tfName]) => tfByName[tfName]!))).toBeLessThanOrEqual(1e-4);
    const predicted = (await m.predict({ image, meta })) as Tensor[];
    const tfPredicted = twin.predict([tf2(image), tf2(meta)]) as tf.Tensor[];
    expect(predicted.map((t) => t.shape)).toEqual([[N, 3], [N, 1]]);
    predicted.forEach((t, i) => expect(maxAbsDiff(t.data, tfPredicted[i]!.dataSync())).toBeLessThanOrEqual(1e-5));
    // A second fit continues from the trained weights and Adam's moments, as in Keras.
    const more = await m.fit([image, meta], [label, score], { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
    const tfMore = await twin.fit([tf2(image), tf2(meta)], [tf2(label), tf2(score)], { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
    expect(Math.abs(more.history.loss![0]! - (tfMore.history.loss![0] as number))).toBeLessThanOrEqual(1e-4);
  });

  it('lossWeights weight each output in the total; an object of losses by output name', async () => {
    const m = twoByTwo();
    const twin = buildTfjsTwin(m);
    m.compile({ optimizer: 'sgd', loss: { score: 'mse', kind: 'categorical_crossentropy' }, lossWeights: { kind: 0.5, score: 2 } });
    // tfjs has no lossWeights: the oracle scales its loss functions instead.
    twin.compile({
      optimizer: tf.train.sgd(0.01),
      loss: [(t, p) => tf.mul(tf.metrics.categoricalCrossentropy(t, p), 0.5), (t, p) => tf.mul(tf.metrics.meanSquaredError(t, p), 2)],
    });
    const oneHot = { shape: [N, 3], data: label.data.flatMap((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0))) };
    const ours = await m.fit([image, meta], [oneHot, score], { epochs: 3, batchSize: 6, shuffle: false, verbose: 0 });
    const theirs = await twin.fit([tf2(image), tf2(meta)], [tf2(oneHot), tf2(score)], { epochs: 3, batchSize: 6, shuffle: false, verbose: 0 });
    expect(maxAbsDiff(ours.history.loss!, theirs.history.loss as number[])).toBeLessThanOrEqual(1e-4);
    // The per-output losses are logged unweighted, as Keras logs them.
    const tfKind = theirs.history[`${twin.outputNames[0]}_loss`] as number[];
    expect(maxAbsDiff(ours.history.kind_loss!, tfKind.map((v) => v / 0.5))).toBeLessThanOrEqual(1e-4);
  });

  it('callbacks see 0-based epochs and logs, can stop training, and getWeights/setWeights round-trip', async () => {
    const m = twoByTwo();
    m.compile({ optimizer: 'adam', loss: ['sparseCategoricalCrossentropy', 'mse'] });
    const seen: string[] = [];
    const history = await m.fit([image, meta], [label, score], {
      epochs: 5,
      verbose: 0,
      callbacks: {
        onTrainBegin: () => void seen.push('begin'),
        onEpochEnd: async (epoch, logs) => {
          await Promise.resolve();
          seen.push(`epoch ${epoch} ${Object.keys(logs).join(',')}`);
          if (epoch === 1) m.stopTraining = true;
        },
        onTrainEnd: () => void seen.push('end'),
      },
    });
    expect(seen).toEqual(['begin', 'epoch 0 loss,kind_loss,score_loss', 'epoch 1 loss,kind_loss,score_loss', 'end']);
    expect(history.epoch).toEqual([0, 1]);
    const before = m.getWeights();
    expect(before.map((w) => w.shape)).toEqual([[6, 8], [8], [11, 8], [8], [8, 3], [3], [8, 1], [1]]);
    const zeros = before.map((w) => ({ shape: w.shape, data: new Float32Array(w.data.length) }));
    m.setWeights(zeros);
    const out = (await m.predict([image, meta])) as Tensor[];
    expect([...out[0]!.data.slice(0, 3)].map((v) => v.toFixed(4))).toEqual(['0.3333', '0.3333', '0.3333']);
    expect(out[1]!.data.every((v) => v === 0)).toBe(true);
    expect(catchNnc(() => m.setWeights(zeros.slice(1))).message).toMatch(/NNC5002 .*has 8 weights, got 7/);
  });

  it('compileBundle after fit writes a bundle whose predictions equal model.predict', async () => {
    const m = twoByTwo();
    m.compile({ optimizer: { name: 'adam', learningRate: 0.05 }, loss: ['sparseCategoricalCrossentropy', 'mse'] });
    await m.fit([image, meta], [label, score], { epochs: 3, batchSize: 8, verbose: 0 });
    const out = join(mkdtempSync(join(tmpdir(), 'nnc-compile-bundle-')), 'bundle');
    const files = await compileBundle(m, { out });
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['manifest.json', 'model.d.ts', 'model.js']));
    const bundle = await (await import(/* @vite-ignore */ pathToFileURL(join(out, 'model.js')).href)).load();
    const got = bundle.predict({ image: Float32Array.from(image.data), meta: Float32Array.from(meta.data) }, N) as Record<string, Float32Array>;
    const want = (await m.predict([image, meta])) as Tensor[];
    expect(maxAbsDiff(got.kind!, want[0]!.data)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(got.score!, want[1]!.data)).toBeLessThanOrEqual(1e-5);
    await expect(compileBundle(m, { out, target: 'gpu' })).rejects.toThrow(/NNC4003 .*unknown target 'gpu'/);
  });

  it('refuses data and compile arguments that do not match the outputs, naming them', async () => {
    const m = twoByTwo();
    m.compile({ optimizer: 'adam', loss: ['sparseCategoricalCrossentropy'] });
    await expect(m.fit([image, meta], [label, score], { verbose: 0 })).rejects.toThrow(/NNC5005 .*loss lists 1 value\(s\) for 2 output\(s\)/);
    m.compile({ optimizer: 'adam', loss: { kind: 'mse', scores: 'mse' } });
    await expect(m.fit([image, meta], [label, score], { verbose: 0 })).rejects.toThrow(/loss names 'scores', which is not an output of the model/);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    await expect(m.fit([image], [label, score], { verbose: 0 })).rejects.toThrow(/NNC5002 .*fit x lists 1 tensor\(s\) for 2/);
    await expect(m.fit({ image, metadata: meta }, [label, score], { verbose: 0 })).rejects.toThrow(/fit x names 'metadata'/);
    await expect(twoByTwo().fit([image, meta], [label, score], { verbose: 0 })).rejects.toThrow(/NNC5005 .*is not compiled/);
  });
});
