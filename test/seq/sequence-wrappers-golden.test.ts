/**
 * Bidirectional (every merge mode, initial states), TimeDistributed, RepeatVector and
 * LayerNormalization against tfjs (cpu backend) with the same weights, through the reference
 * interpreter, the wasm bundle (SIMD and scalar) and the WebGPU bundle, at batch 1, 7 and 64.
 * Tolerance: 1e-5 of the output's scale (f32 sums in another order, compounded over the steps).
 */
import { layers } from '../../src/frontend/layers/index.js';
import type { LayersModel } from '../../src/frontend/model.js';
import { describeTfjsGolden } from '../helpers/model-golden.js';
import { chain, withStates } from './sequence-models.js';

const CASES: readonly { name: string; make: () => LayersModel }[] = [
  { name: 'bidirectional lstm, concat, returnSequences, 5 steps x 3', make: chain([5, 3], layers.bidirectional({ layer: layers.lstm({ units: 4, returnSequences: true }) })) },
  { name: 'bidirectional gru, sum, 4 steps x 2', make: chain([4, 2], layers.bidirectional({ layer: layers.gru({ units: 3 }), mergeMode: 'sum' })) },
  { name: 'bidirectional simpleRNN goBackwards, mul, returnSequences, 3 steps x 4', make: chain([3, 4], layers.bidirectional({ layer: layers.simpleRNN({ units: 5, goBackwards: true, returnSequences: true }), mergeMode: 'mul' })) },
  { name: 'bidirectional lstm, ave, then dense, 6 steps x 2', make: chain([6, 2], layers.bidirectional({ layer: layers.lstm({ units: 3, recurrentActivation: 'sigmoid' }), mergeMode: 'ave' }), layers.dense({ units: 2 })) },
  { name: 'bidirectional lstm with initial states (forward h, c, backward h, c)', make: withStates([4, 3], 4, () => layers.bidirectional({ layer: layers.lstm({ units: 5, returnSequences: true }) })) },
  { name: 'layerNormalization over features, 5 steps x 6', make: chain([5, 6], layers.layerNormalization()) },
  { name: 'layerNormalization epsilon 0.1, no center, after dense, 8', make: chain([8], layers.dense({ units: 7 }), layers.layerNormalization({ epsilon: 0.1, center: false })) },
  { name: 'lstm returnSequences -> layerNormalization (no scale) -> gru', make: chain([4, 3], layers.lstm({ units: 6, returnSequences: true }), layers.layerNormalization({ scale: false }), layers.gru({ units: 2 })) },
  { name: 'timeDistributed(dense relu) over lstm outputs, 5 steps x 3', make: chain([5, 3], layers.lstm({ units: 4, returnSequences: true }), layers.timeDistributed({ layer: layers.dense({ units: 3, activation: 'relu' }) })) },
  { name: 'timeDistributed(dense softmax) on [steps, h, features]', make: chain([3, 2, 4], layers.timeDistributed({ layer: layers.dense({ units: 5, activation: 'softmax' }) })) },
  { name: 'repeatVector 4 -> gru returnSequences (an encoder-decoder)', make: chain([6, 2], layers.lstm({ units: 3 }), layers.repeatVector({ n: 4 }), layers.gru({ units: 2, returnSequences: true })) },
];

describeTfjsGolden('sequence wrappers and normalization vs tfjs: $name', CASES);
