/**
 * Sequences of any length (`inputShape: [null, features]`): the model compiles to one step of a
 * time loop, and predict takes the number of steps. Every model runs at 1, 4 and 11 steps (its
 * bundles built once) against tfjs (cpu, the same weights, its input declared [null, null, ...]),
 * through the interpreter's loop (runTimeLoop), the wasm bundle (SIMD and scalar) and the WebGPU
 * bundle (float inputs only: it refuses int32), at batch 1, 7 and 64. Tolerance: 1e-5 of the
 * output's scale.
 */
import { input } from '../../src/frontend/layers/input-layer.js';
import { layers } from '../../src/frontend/layers/index.js';
import { model, type LayersModel } from '../../src/frontend/model.js';
import { sequential } from '../../src/frontend/sequential.js';
import { describeTfjsGolden } from '../helpers/model-golden.js';
import { chain, padded, withStates } from './sequence-models.js';

const STEPS = [1, 4, 11];

/** A decoder as Keras' seq2seq example compiles it for inference: the states in, the sequence and the states out. */
function decoder(): LayersModel {
  const x = input({ shape: [null, 4] });
  const h = input({ shape: [5] });
  const c = input({ shape: [5] });
  const [sequence, hOut, cOut] = layers.lstm({ units: 5, returnSequences: true, returnState: true }).apply([x, h, c]);
  return model({ inputs: [x, h, c], outputs: [layers.dense({ units: 3, activation: 'softmax' }).apply(sequence!), hOut!, cOut!] });
}

/** Initial states computed from an input without steps (Dense of a context vector). */
function conditioned(): LayersModel {
  const x = input({ shape: [null, 3] });
  const context = input({ shape: [6] });
  const h0 = layers.dense({ units: 4, activation: 'tanh' }).apply(context);
  return model({ inputs: [x, context], outputs: layers.gru({ units: 4, resetAfter: true }).apply([x, h0]) });
}

/** Two sequences of the same length, added step by step, through a stack with a per-step normalization. */
function twoSequences(): LayersModel {
  const a = input({ shape: [null, 3] });
  const b = input({ shape: [null, 3] });
  const sum = layers.add().apply([a, b]);
  const seq = layers.simpleRNN({ units: 4, returnSequences: true }).apply(sum);
  const normed = layers.layerNormalization().apply(seq);
  return model({ inputs: [a, b], outputs: [layers.lstm({ units: 3 }).apply(normed), layers.dense({ units: 2 }).apply(normed)] });
}

describeTfjsGolden('a sequence of any length vs tfjs: $name', [
  { name: 'lstm -> dense softmax', make: chain([null, 5], layers.lstm({ units: 6 }), layers.dense({ units: 3, activation: 'softmax' })), steps: STEPS },
  {
    name: 'simpleRNN relu returnSequences -> gru resetAfter returnSequences -> timeDistributed(dense)',
    make: chain([null, 3], layers.simpleRNN({ units: 4, activation: 'relu', returnSequences: true }), layers.gru({ units: 5, resetAfter: true, returnSequences: true }), layers.timeDistributed({ layer: layers.dense({ units: 2 }) })),
    steps: STEPS,
  },
  { name: 'dense tanh -> dropout -> gru (resetAfter false) returnSequences, returnState', make: chain([null, 3], layers.dense({ units: 4, activation: 'tanh' }), layers.dropout({ rate: 0.3 }), layers.gru({ units: 3, returnSequences: true, returnState: true })), steps: STEPS },
  { name: 'lstm given initial states as inputs (a seq2seq decoder)', make: decoder, steps: STEPS },
  { name: 'gru resetAfter given an initial state computed from a context input', make: conditioned, steps: STEPS },
  { name: 'simpleRNN given its initial state', make: withStates([null, 3], 1, () => layers.simpleRNN({ units: 5, returnSequences: true })), steps: STEPS },
  { name: 'two sequences added -> simpleRNN -> layerNormalization -> lstm, dense', make: twoSequences, steps: STEPS },
  { name: 'masking -> lstm returnSequences -> lstm (padded inputs)', make: chain([null, 3], layers.masking(), layers.lstm({ units: 4, returnSequences: true }), layers.lstm({ units: 3 })), inputs: padded(0), steps: STEPS },
  {
    name: "the README's model, smaller: masking -> lstm returnSequences -> timeDistributed(dense softmax)",
    make: () =>
      sequential({ layers: [layers.masking({ inputShape: [null, 9] }), layers.lstm({ units: 12, returnSequences: true }), layers.timeDistributed({ layer: layers.dense({ units: 9, activation: 'softmax' }) })] }),
    inputs: padded(0),
    steps: STEPS,
  },
  { name: 'bidirectional lstm (concat) -> dense', make: chain([null, 3], layers.bidirectional({ layer: layers.lstm({ units: 4 }) }), layers.dense({ units: 2 })), steps: STEPS },
  {
    name: 'masking -> bidirectional gru (sum) returnState (padded inputs)',
    make: chain([null, 3], layers.masking(), layers.bidirectional({ layer: layers.gru({ units: 3, returnState: true }), mergeMode: 'sum' })),
    inputs: padded(0),
    steps: STEPS,
  },
  { name: 'bidirectional of a goBackwards simpleRNN, mergeMode null', make: chain([null, 3], layers.dense({ units: 4 }), layers.bidirectional({ layer: layers.simpleRNN({ units: 3, goBackwards: true }), mergeMode: null })), steps: STEPS },
  {
    name: 'simpleRNN goBackwards returnSequences -> timeDistributed(dense)',
    make: chain([null, 3], layers.simpleRNN({ units: 4, goBackwards: true, returnSequences: true }), layers.timeDistributed({ layer: layers.dense({ units: 2 }) })),
    steps: STEPS,
  },
  {
    name: 'embedding maskZero -> bidirectional lstm (ave) -> dense (int32 ids)',
    make: () => sequential({ layers: [layers.embedding({ inputDim: 9, outputDim: 3, maskZero: true, inputShape: [null] }), layers.bidirectional({ layer: layers.lstm({ units: 3 }), mergeMode: 'ave' }), layers.dense({ units: 2 })] }),
    steps: STEPS,
  },
  {
    name: 'embedding maskZero -> gru -> dense (int32 ids)',
    make: () => sequential({ layers: [layers.embedding({ inputDim: 9, outputDim: 3, maskZero: true, inputShape: [null] }), layers.gru({ units: 4 }), layers.dense({ units: 2, activation: 'softmax' })] }),
    steps: STEPS,
  },
]);
