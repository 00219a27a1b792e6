/**
 * Recurrent layers that return their final states (returnState), Bidirectional with returned
 * states and with mergeMode null (the two directions apart), and the encoder-decoder that feeds
 * one layer's states to another as its initial states: against tfjs (cpu backend) with the same
 * weights, through the reference interpreter, the wasm bundle (SIMD and scalar) and the WebGPU
 * bundle, at batch 1, 7 and 64. Tolerance: 1e-5 of the output's scale.
 */
import type { SymbolicTensor } from '../../src/frontend/layer.js';
import { input } from '../../src/frontend/layers/input-layer.js';
import { layers } from '../../src/frontend/layers/index.js';
import { model, type LayersModel } from '../../src/frontend/model.js';
import { describeTfjsGolden } from '../helpers/model-golden.js';

/** Input [steps, features] through one layer that returns a list; every tensor of it is a model output. */
const allOutputs = (shape: number[], apply: (x: SymbolicTensor) => SymbolicTensor[]) => (): LayersModel => {
  const x = input({ shape });
  return model({ inputs: x, outputs: apply(x) });
};

/** Keras' seq2seq: the encoder's final states start the decoder, whose sequence goes through a softmax. */
function encoderDecoder(cell: 'lstm' | 'gru'): LayersModel {
  const source = input({ shape: [5, 3] });
  const target = input({ shape: [4, 2] });
  const encoded = cell === 'lstm' ? layers.lstm({ units: 6, returnState: true }).apply(source) : layers.gru({ units: 6, returnState: true, resetAfter: true }).apply(source);
  const [, ...states] = encoded;
  const decoded = cell === 'lstm' ? layers.lstm({ units: 6, returnSequences: true }).apply([target, ...states]) : layers.gru({ units: 6, returnSequences: true }).apply([target, ...states]);
  return model({ inputs: [source, target], outputs: layers.dense({ units: 3, activation: 'softmax' }).apply(decoded) });
}

const CASES: readonly { name: string; make: () => LayersModel }[] = [
  // The output and h are the same values: two outputs of one IR value.
  { name: 'lstm returnState: [output, h, c]', make: allOutputs([6, 3], (x) => layers.lstm({ units: 5, returnState: true }).apply(x)) },
  { name: 'gru returnState returnSequences: [sequence, h]', make: allOutputs([4, 2], (x) => layers.gru({ units: 4, returnState: true, returnSequences: true }).apply(x)) },
  { name: 'gru resetAfter returnState goBackwards', make: allOutputs([3, 4], (x) => layers.gru({ units: 3, resetAfter: true, returnState: true, goBackwards: true }).apply(x)) },
  { name: 'simpleRNN returnState, one step', make: allOutputs([1, 3], (x) => layers.simpleRNN({ units: 4, returnState: true }).apply(x)) },
  {
    name: 'states used downstream: dense over [h, c] concatenated',
    make: () => {
      const x = input({ shape: [5, 2] });
      const [, h, c] = layers.lstm({ units: 4, returnState: true }).apply(x);
      return model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(layers.concatenate().apply([h!, c!])) });
    },
  },
  { name: 'encoder-decoder lstm: the encoder states start the decoder', make: () => encoderDecoder('lstm') },
  { name: 'encoder-decoder gru', make: () => encoderDecoder('gru') },
  {
    name: 'bidirectional lstm returnState: [concat, forward h, c, backward h, c]',
    make: allOutputs([4, 3], (x) => layers.bidirectional({ layer: layers.lstm({ units: 3, returnState: true }) }).apply(x)),
  },
  {
    name: 'bidirectional gru mergeMode null, returnSequences: [forward, backward]',
    make: allOutputs([5, 2], (x) => layers.bidirectional({ layer: layers.gru({ units: 4, returnSequences: true }), mergeMode: null }).apply(x)),
  },
  {
    name: 'bidirectional simpleRNN mergeMode null with returnState',
    make: allOutputs([3, 3], (x) => layers.bidirectional({ layer: layers.simpleRNN({ units: 2, returnState: true }), mergeMode: null }).apply(x)),
  },
];

describeTfjsGolden('returned states vs tfjs: $name', CASES);
