/**
 * Backpropagation through time: autodiff of the unrolled SimpleRNN / GRU / LSTM graphs (and a
 * Bidirectional LSTM, RepeatVector, TimeDistributed, LayerNormalization's composed statistics). The
 * gradient of a mean-squared-error loss with respect to every weight, from the reference
 * interpreter and the wasm training executor, against tfjs's tf.variableGrads on the twin model
 * (|Δ| ≤ 1e-5 · max(1e-3, max |g|) per weight tensor), and one SGD step; GRU resetAfter against
 * Keras' cell in tfjs ops; and central finite differences of the interpreter's loss for an LSTM
 * with smooth (sigmoid) gates, where differences are exact to O(step²) (step 1e-3,
 * |Δ| ≤ 3e-3 · max(1, |g|)).
 */
import { describe, it } from 'vitest';
import { layers } from '../../src/frontend/layers/index.js';
import { input } from '../../src/frontend/layers/input-layer.js';
import { model, type LayersModel } from '../../src/frontend/model.js';
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
