/**
 * Backpropagation through time: autodiff of the unrolled SimpleRNN / GRU / LSTM graphs (and a
 * Bidirectional LSTM, RepeatVector, TimeDistributed, LayerNormalization's composed statistics,
 * the steps an Embedding's maskZero masks). The
 * gradient of a mean-squared-error loss with respect to every weight, from the reference
 * interpreter and the wasm training executor, against tfjs's tf.variableGrads on the twin model
 * (|Δ| ≤ 1e-5 · max(1e-3, max |g|) per weight tensor), and one SGD step; GRU resetAfter against
 * Keras' cell in tfjs ops; and central finite differences of the interpreter's loss for an LSTM
 * with smooth (sigmoid) gates, where differences are exact to O(step²) (step 1e-3,
 * |Δ| ≤ 3e-3 · max(1, |g|)).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { layers } from '../../src/frontend/layers/index.js';
import { input } from '../../src/frontend/layers/input-layer.js';
import { model, type LayersModel } from '../../src/frontend/model.js';
import { Random } from '../../src/frontend/random.js';
import { tensor } from '../../src/ir/tensor.js';
import { formatShape } from '../../src/ir/types.js';
import { interpreterExecutor } from '../../src/train/executor.js';
import { Trainer } from '../../src/train/trainer.js';
import { loadWasmBackend, wasmExecutor } from '../../src/train/wasm-executor.js';
import { describeGradientsVsTfjs, expectGradientsMatchFiniteDifferences } from '../helpers/gradients-vs-tfjs.js';

const BATCH = 5;
const TOLERANCE = 1e-5;

/** A sequence through `rnn`, then a dense head. */
function head(shape: number[], rnn: { apply: (x: never) => unknown }, units = 2): () => LayersModel {
  return () => {
    const x = input({ shape });
    return model({ inputs: x, outputs: layers.dense({ units }).apply(rnn.apply(x as never) as typeof x) });
  };
}

describeGradientsVsTfjs(
  [
  { name: 'lstm (sigmoid gates) returnSequences', make: head([5, 3], layers.lstm({ units: 4, recurrentActivation: 'sigmoid', returnSequences: true })) },
  { name: 'lstm (hardSigmoid gates) goBackwards', make: head([4, 3], layers.lstm({ units: 3, goBackwards: true })) },
  { name: 'gru (reset before)', make: head([5, 2], layers.gru({ units: 4, recurrentActivation: 'sigmoid' })) },
  { name: 'gru resetAfter returnSequences', make: head([4, 3], layers.gru({ units: 3, resetAfter: true, recurrentActivation: 'sigmoid', returnSequences: true })) },
  { name: 'bidirectional lstm, concat, returnSequences', make: head([4, 2], layers.bidirectional({ layer: layers.lstm({ units: 3, recurrentActivation: 'sigmoid', returnSequences: true }) })) },
  { name: 'layerNormalization between a dense and an lstm', make: () => {
    const x = input({ shape: [4, 3] });
    const normed = layers.layerNormalization().apply(layers.dense({ units: 5 }).apply(x));
    return model({ inputs: x, outputs: layers.lstm({ units: 2, recurrentActivation: 'sigmoid' }).apply(normed) });
  } },
  { name: 'lstm -> repeatVector -> gru returnSequences -> timeDistributed(dense tanh)', make: () => {
    const x = input({ shape: [3, 2] });
    const h = layers.repeatVector({ n: 3 }).apply(layers.lstm({ units: 3, recurrentActivation: 'sigmoid' }).apply(x));
    const seq = layers.gru({ units: 2, recurrentActivation: 'sigmoid', returnSequences: true }).apply(h);
    return model({ inputs: x, outputs: layers.timeDistributed({ layer: layers.dense({ units: 2, activation: 'tanh' }) }).apply(seq) });
  } },
  // A vocabulary of 3 makes id 0 (padding, masked) about a third of the steps, anywhere in a row.
  { name: 'embedding maskZero -> lstm returnSequences -> gru: masked steps keep the states', make: () => {
    const x = input({ shape: [5], dtype: 'int32' });
    const e = layers.embedding({ inputDim: 3, outputDim: 2, maskZero: true }).apply(x);
    const h = layers.lstm({ units: 3, recurrentActivation: 'sigmoid', returnSequences: true }).apply(e);
    return model({ inputs: x, outputs: layers.gru({ units: 2, recurrentActivation: 'sigmoid' }).apply(h) });
  } },
  { name: 'simpleRNN, stacked under an lstm', make: () => {
    const x = input({ shape: [6, 2] });
    const h = layers.simpleRNN({ units: 4, returnSequences: true }).apply(x);
    return model({ inputs: x, outputs: layers.lstm({ units: 2, recurrentActivation: 'sigmoid' }).apply(h) });
  } },
],
  BATCH,
  TOLERANCE,
);

describe('an LSTM: gradients vs finite differences', () => {
  it('every weight gradient agrees with central differences', () => {
    expectGradientsMatchFiniteDifferences(head([4, 2], layers.lstm({ units: 3, recurrentActivation: 'sigmoid' }))(), 3e-3);
  });
});

describe('dropout and recurrentDropout while training', () => {
  beforeAll(() => loadWasmBackend());

  const classifier = (dropout = 0.3, recurrentDropout = 0.2) => {
    const x = input({ shape: [5, 3] });
    const h = layers.lstm({ units: 4, dropout, recurrentDropout, recurrentActivation: 'sigmoid' }).apply(x);
    const m = model({ inputs: x, outputs: layers.dense({ units: 2, activation: 'softmax' }).apply(h) });
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    return m;
  };

  it('draw one mask per sequence, as Keras: [batch, 1, features] over every step, [batch, units] for the state', () => {
    const m = classifier();
    const step = new Trainer(m.toGraph(), m.trainingConfig!).graphs.train;
    const masks = step.nodes.filter((n) => n.op === 'dropout_train');
    expect(masks.map((n) => formatShape(n.type.shape)).sort()).toEqual(['[?,1,3]', '[?,4]']);
    // The feature mask multiplies the whole [batch, 5, 3] sequence once; the state mask each of the 4 recurrent products.
    const users = (mask: (typeof masks)[number]) => step.nodes.filter((n) => n.inputs.includes(mask));
    const [features, state] = [...masks].sort((a, b) => b.type.shape.length - a.type.shape.length);
    expect(users(features!).some((n) => n.op === 'mul' && formatShape(n.type.shape) === '[?,5,3]')).toBe(true);
    // (the backward pass reads the masks too: only the forward products are counted)
    expect(users(features!).filter((n) => n.op === 'mul').length).toBe(1);
    expect(users(state!).filter((n) => n.op === 'mul' && formatShape(n.type.shape) === '[?,4]').length).toBeGreaterThanOrEqual(4);
  });

  it('train the same on the wasm executor as on the interpreter for a seed', () => {
    const rng = new Random(5);
    const data = { x: tensor([16, 5, 3], Float32Array.from({ length: 240 }, () => rng.uniform(-1, 1))), y: tensor([16], Float32Array.from({ length: 16 }, (_, i) => i % 2)) };
    const graph = classifier().toGraph();
    const run = (executor: typeof wasmExecutor) => new Trainer(graph, { optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' }, { seed: 3, executor }).fit(data, { epochs: 2, batchSize: 8 }).loss!;
    const [wasm, interpreter] = [run(wasmExecutor), run(interpreterExecutor)];
    wasm.forEach((loss, i) => expect(Math.abs(loss - interpreter[i]!)).toBeLessThan(1e-5));
    // The step takes a dropout seed only when a rate is above 0.
    const usesDropout = (d: number, r: number) => new Trainer(classifier(d, r).toGraph(), { optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' }).graphs.usesDropout;
    expect([usesDropout(0, 0), usesDropout(0.3, 0), usesDropout(0, 0.2)]).toEqual([false, true, true]);
  });
});
