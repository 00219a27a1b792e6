import type { LayerArgs } from '../layer.js';
import { Activation, type ActivationArgs } from './activation.js';
import { Conv2D, type Conv2DArgs } from './conv2d.js';
import { Dense, type DenseArgs } from './dense.js';
import { Dropout, type DropoutArgs } from './dropout.js';
import { Flatten } from './flatten.js';
import { GlobalAveragePooling2D, GlobalMaxPooling2D, type GlobalPooling2DArgs } from './global-pooling.js';
import { InputLayer, type InputArgs } from './input-layer.js';
import { LeakyReLU, type LeakyReLUArgs } from './leaky-relu.js';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract, type ConcatenateArgs } from './merge.js';
import { AveragePooling2D, MaxPooling2D, type Pooling2DArgs } from './pooling.js';
import { Reshape, type ReshapeArgs } from './reshape.js';
import { ZeroPadding2D, type ZeroPadding2DArgs } from './zero-padding.js';
import { Conv1D, type Conv1DArgs } from './conv1d.js';
import { AveragePooling1D, MaxPooling1D, type Pooling1DArgs } from './pooling1d.js';
import { GlobalAveragePooling1D, GlobalMaxPooling1D, type GlobalPooling1DArgs } from './global-pooling1d.js';
import { ZeroPadding1D, type ZeroPadding1DArgs } from './zero-padding1d.js';
import { Cropping2D, type Cropping2DArgs } from './cropping2d.js';
import { Permute, type PermuteArgs } from './permute.js';
import { BatchNormalization, type BatchNormalizationArgs } from './batch-normalization.js';
import { Conv2DTranspose, type Conv2DTransposeArgs } from './conv2d-transpose.js';
import { UpSampling1D, UpSampling2D, type UpSampling1DArgs, type UpSampling2DArgs } from './up-sampling.js';
import { DepthwiseConv2D, type DepthwiseConv2DArgs } from './depthwise-conv2d.js';
import { SeparableConv2D, type SeparableConv2DArgs } from './separable-conv2d.js';
import { ReLU, type ReLUArgs } from './relu.js';
import { GRU, LSTM, SimpleRNN, type GRUArgs, type LSTMArgs, type RecurrentArgs, type RecurrentLayer } from './recurrent.js';
import { Bidirectional, bidirectional, type BidirectionalArgs } from './bidirectional.js';
import { LayerNormalization, type LayerNormalizationArgs } from './layer-normalization.js';
import { TimeDistributed, type TimeDistributedArgs } from './time-distributed.js';
import { RepeatVector, type RepeatVectorArgs } from './repeat-vector.js';
import { Embedding, type EmbeddingArgs } from './embedding.js';

export { Activation, Add, Concatenate, Conv2D, Dense, Dropout, Flatten, InputLayer, LeakyReLU, Multiply, Reshape, Subtract };
export type { ActivationArgs, ConcatenateArgs, Conv2DArgs, DenseArgs, DropoutArgs, InputArgs, LeakyReLUArgs, ReshapeArgs };
export { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D, ZeroPadding2D };
export type { GlobalPooling2DArgs, Pooling2DArgs, ZeroPadding2DArgs };
export { AveragePooling1D, Average, Conv1D, Cropping2D, GlobalAveragePooling1D, GlobalMaxPooling1D, Maximum, MaxPooling1D, Minimum, ZeroPadding1D };
export type { Conv1DArgs, Cropping2DArgs, GlobalPooling1DArgs, Pooling1DArgs, ZeroPadding1DArgs };
export { Permute };
export type { PermuteArgs };
export { BatchNormalization };
export type { BatchNormalizationArgs };
export { Conv2DTranspose, UpSampling1D, UpSampling2D };
export type { Conv2DTransposeArgs, UpSampling1DArgs, UpSampling2DArgs };
export { DepthwiseConv2D, ReLU, SeparableConv2D };
export type { DepthwiseConv2DArgs, ReLUArgs, SeparableConv2DArgs };
export { Bidirectional, GRU, LayerNormalization, LSTM, RepeatVector, SimpleRNN, TimeDistributed };
export { Embedding };
export type { EmbeddingArgs };
export type { BidirectionalArgs, GRUArgs, LayerNormalizationArgs, LSTMArgs, RecurrentArgs, RepeatVectorArgs, TimeDistributedArgs };

/** Layer factories with tfjs-layers' names: `layers.dense({ units: 128, activation: 'relu' })`. */
/**
 * A recurrent layer's factory, typed so that the layer's apply() returns a list (the output, then
 * the final states) exactly when it is made with `returnState: true`.
 */
function recurrentFactory<A extends RecurrentArgs, L extends RecurrentLayer>(make: (args: A) => L) {
  function factory(args: A & { returnState: true }): L & { readonly returnsList: true };
  function factory(args: A): L;
  function factory(args: A): L {
    return make(args);
  }
  return factory;
}

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
  conv1d: (args: Conv1DArgs) => new Conv1D(args),
  maxPooling1d: (args: Pooling1DArgs = {}) => new MaxPooling1D(args),
  averagePooling1d: (args: Pooling1DArgs = {}) => new AveragePooling1D(args),
  globalAveragePooling1d: (args: GlobalPooling1DArgs = {}) => new GlobalAveragePooling1D(args),
  globalMaxPooling1d: (args: GlobalPooling1DArgs = {}) => new GlobalMaxPooling1D(args),
  zeroPadding1d: (args: ZeroPadding1DArgs = {}) => new ZeroPadding1D(args),
  cropping2d: (args: Cropping2DArgs) => new Cropping2D(args),
  average: (args: LayerArgs = {}) => new Average(args),
  maximum: (args: LayerArgs = {}) => new Maximum(args),
  minimum: (args: LayerArgs = {}) => new Minimum(args),
  permute: (args: PermuteArgs) => new Permute(args),
  batchNormalization: (args: BatchNormalizationArgs = {}) => new BatchNormalization(args),
  conv2dTranspose: (args: Conv2DTransposeArgs) => new Conv2DTranspose(args),
  upSampling2d: (args: UpSampling2DArgs = {}) => new UpSampling2D(args),
  upSampling1d: (args: UpSampling1DArgs = {}) => new UpSampling1D(args),
  depthwiseConv2d: (args: DepthwiseConv2DArgs) => new DepthwiseConv2D(args),
  separableConv2d: (args: SeparableConv2DArgs) => new SeparableConv2D(args),
  reLU: (args: ReLUArgs = {}) => new ReLU(args),
  simpleRNN: recurrentFactory((args: RecurrentArgs) => new SimpleRNN(args)),
  gru: recurrentFactory((args: GRUArgs) => new GRU(args)),
  lstm: recurrentFactory((args: LSTMArgs) => new LSTM(args)),
  bidirectional,
  layerNormalization: (args: LayerNormalizationArgs = {}) => new LayerNormalization(args),
  timeDistributed: (args: TimeDistributedArgs) => new TimeDistributed(args),
  repeatVector: (args: RepeatVectorArgs) => new RepeatVector(args),
  embedding: (args: EmbeddingArgs) => new Embedding(args),
};
