import type { LayerArgs } from '../layer.js';
import { Activation, type ActivationArgs } from './activation.js';
import { Conv2D, type Conv2DArgs } from './conv2d.js';
import { Dense, type DenseArgs } from './dense.js';
import { Dropout, type DropoutArgs } from './dropout.js';
import { Flatten } from './flatten.js';
import { GlobalAveragePooling2D, GlobalMaxPooling2D, type GlobalPooling2DArgs } from './global-pooling.js';
import { InputLayer, type InputArgs } from './input-layer.js';
import { LeakyReLU, type LeakyReLUArgs } from './leaky-relu.js';
import { Add, Concatenate, Multiply, Subtract, type ConcatenateArgs } from './merge.js';
import { AveragePooling2D, MaxPooling2D, type Pooling2DArgs } from './pooling.js';
import { Reshape, type ReshapeArgs } from './reshape.js';
import { ZeroPadding2D, type ZeroPadding2DArgs } from './zero-padding.js';
import { DepthwiseConv2D, type DepthwiseConv2DArgs } from './depthwise-conv2d.js';
import { SeparableConv2D, type SeparableConv2DArgs } from './separable-conv2d.js';
import { ReLU, type ReLUArgs } from './relu.js';

export { Activation, Add, Concatenate, Conv2D, Dense, Dropout, Flatten, InputLayer, LeakyReLU, Multiply, Reshape, Subtract };
export type { ActivationArgs, ConcatenateArgs, Conv2DArgs, DenseArgs, DropoutArgs, InputArgs, LeakyReLUArgs, ReshapeArgs };
export { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D, ZeroPadding2D };
export type { GlobalPooling2DArgs, Pooling2DArgs, ZeroPadding2DArgs };
export { DepthwiseConv2D, ReLU, SeparableConv2D };
export type { DepthwiseConv2DArgs, ReLUArgs, SeparableConv2DArgs };

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
  maxPooling2d: (args: Pooling2DArgs = {}) => new MaxPooling2D(args),
  averagePooling2d: (args: Pooling2DArgs = {}) => new AveragePooling2D(args),
  globalAveragePooling2d: (args: GlobalPooling2DArgs = {}) => new GlobalAveragePooling2D(args),
  globalMaxPooling2d: (args: GlobalPooling2DArgs = {}) => new GlobalMaxPooling2D(args),
  zeroPadding2d: (args: ZeroPadding2DArgs = {}) => new ZeroPadding2D(args),
  depthwiseConv2d: (args: DepthwiseConv2DArgs) => new DepthwiseConv2D(args),
  separableConv2d: (args: SeparableConv2DArgs) => new SeparableConv2D(args),
  reLU: (args: ReLUArgs = {}) => new ReLU(args),
};
