/**
 * SimpleRNN, GRU (reset before and after the recurrent matmul) and LSTM against tfjs (cpu backend;
 * GRU resetAfter against Keras' cell written in tfjs ops, which tfjs-layers lacks) with the same
 * weights, through the reference interpreter, the wasm bundle (SIMD and scalar) and the WebGPU
 * bundle, at batch 1, 7 and 64 and at two sequence lengths. Tolerance: 1e-5 of the output's scale
 * (f32 sums in another order, compounded over the steps).
 */
import { layers } from '../../src/frontend/layers/index.js';
import type { LayersModel } from '../../src/frontend/model.js';
import { describeTfjsGolden } from '../helpers/model-golden.js';
import { chain, withStates } from './sequence-models.js';

const CASES: readonly { name: string; make: () => LayersModel }[] = [
  { name: 'simpleRNN 6 tanh, 7 steps x 4', make: chain([7, 4], layers.simpleRNN({ units: 6 })) },
  { name: 'simpleRNN 5 relu returnSequences goBackwards, 3 steps x 2', make: chain([3, 2], layers.simpleRNN({ units: 5, activation: 'relu', returnSequences: true, goBackwards: true })) },
  { name: 'simpleRNN 3 no bias, 1 step x 5', make: chain([1, 5], layers.simpleRNN({ units: 3, useBias: false })) },
  { name: 'lstm 8 (hardSigmoid gates), 6 steps x 3', make: chain([6, 3], layers.lstm({ units: 8 })) },
  { name: 'lstm 5 sigmoid returnSequences, 4 steps x 6', make: chain([4, 6], layers.lstm({ units: 5, recurrentActivation: 'sigmoid', returnSequences: true })) },
  { name: 'lstm 4 goBackwards no bias, 9 steps x 2', make: chain([9, 2], layers.lstm({ units: 4, goBackwards: true, useBias: false })) },
  { name: 'lstm 6 relu activation returnSequences goBackwards, 1 step x 3', make: chain([1, 3], layers.lstm({ units: 6, activation: 'relu', returnSequences: true, goBackwards: true })) },
  { name: 'gru 7 (reset before), 5 steps x 3', make: chain([5, 3], layers.gru({ units: 7 })) },
  { name: 'gru 4 sigmoid returnSequences goBackwards, 2 steps x 5', make: chain([2, 5], layers.gru({ units: 4, recurrentActivation: 'sigmoid', returnSequences: true, goBackwards: true })) },
  { name: 'gru 6 resetAfter, 6 steps x 4', make: chain([6, 4], layers.gru({ units: 6, resetAfter: true })) },
  { name: 'gru 3 resetAfter sigmoid returnSequences no bias, 3 steps x 2', make: chain([3, 2], layers.gru({ units: 3, resetAfter: true, recurrentActivation: 'sigmoid', returnSequences: true, useBias: false })) },
  { name: 'gru 5 resetAfter goBackwards, 1 step x 4', make: chain([1, 4], layers.gru({ units: 5, resetAfter: true, goBackwards: true })) },
  { name: 'stacked: lstm returnSequences -> gru -> dense softmax', make: chain([5, 3], layers.lstm({ units: 6, returnSequences: true }), layers.gru({ units: 4 }), layers.dense({ units: 3, activation: 'softmax' })) },
  { name: 'lstm with initial states [h, c] as inputs', make: withStates([4, 3], 2, () => layers.lstm({ units: 5 })) },
  { name: 'gru with an initial state, returnSequences', make: withStates([3, 2], 1, () => layers.gru({ units: 5, returnSequences: true })) },
  { name: 'gru resetAfter with an initial state', make: withStates([3, 2], 1, () => layers.gru({ units: 5, resetAfter: true })) },
  { name: 'lstm and gru with dropout and recurrentDropout: the identity at inference', make: chain([4, 3], layers.lstm({ units: 4, dropout: 0.3, recurrentDropout: 0.2, returnSequences: true }), layers.gru({ units: 3, resetAfter: true, dropout: 0.1, recurrentDropout: 0.4 })) },
  { name: 'simpleRNN with an initial state', make: withStates([4, 3], 1, () => layers.simpleRNN({ units: 5 })) },
];

describeTfjsGolden('recurrent layers vs tfjs: $name', CASES);
