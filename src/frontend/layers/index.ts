import type { LayerArgs } from '../layer.js';
import { Activation, type ActivationArgs } from './activation.js';
import { Conv2D, type Conv2DArgs } from './conv2d.js';
import { Dense, type DenseArgs } from './dense.js';
import { Dropout, type DropoutArgs } from './dropout.js';
import { Flatten } from './flatten.js';
import { InputLayer, type InputArgs } from './input-layer.js';
import { LeakyReLU, type LeakyReLUArgs } from './leaky-relu.js';
import { Add, Concatenate, Multiply, Subtract, type ConcatenateArgs } from './merge.js';
import { Reshape, type ReshapeArgs } from './reshape.js';

export { Activation, Add, Concatenate, Conv2D, Dense, Dropout, Flatten, InputLayer, LeakyReLU, Multiply, Reshape, Subtract };
export type { ActivationArgs, ConcatenateArgs, Conv2DArgs, DenseArgs, DropoutArgs, InputArgs, LeakyReLUArgs, ReshapeArgs };

/** Layer factories with tfjs-layers' names: `layers.dense({ units: 128, activation: 'relu' })`. */
export const layers = {
  dense: (args: DenseArgs) => new Dense(args),
  conv2d: (args: Conv2DArgs) => new Conv2D(args),
  flatten: (args: LayerArgs = {}) => new Flatten(args),
  reshape: (args: ReshapeArgs) => new Reshape(args),
  activation: (args: ActivationArgs) => new Activation(args),
  dropout: (args: DropoutArgs) => new Dropout(args),
  leakyReLU: (args: LeakyReLUArgs = {}) => new LeakyReLU(args),
  add: (args: LayerArgs = {}) => new Add(args),
  subtract: (args: LayerArgs = {}) => new Subtract(args),
  multiply: (args: LayerArgs = {}) => new Multiply(args),
  concatenate: (args: ConcatenateArgs = {}) => new Concatenate(args),
  inputLayer: (args: InputArgs) => new InputLayer(args),
};
