import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { NncError, NncErrorList } from '../../errors.js';
import { ownEntry } from '../../own-keys.js';
import { InputLayer } from '../layers/input-layer.js';
import { Activation, Add, Concatenate, Conv2D, Dense, Dropout, Flatten, LeakyReLU, Multiply, Reshape, Subtract } from '../layers/index.js';
import type { IntOrPair } from '../layers/conv2d.js';
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D, Permute, ZeroPadding2D, type Pooling2DArgs, type ZeroPadding2DArgs } from '../layers/index.js';
import type { DataFormat } from '../layers/data-format.js';
import { Average, AveragePooling1D, Conv1D, Cropping2D, GlobalAveragePooling1D, GlobalMaxPooling1D, Maximum, MaxPooling1D, Minimum, ZeroPadding1D } from '../layers/index.js';
import type { Conv1DArgs, Cropping2DArgs, Pooling1DArgs, ZeroPadding1DArgs } from '../layers/index.js';
import { BatchNormalization } from '../layers/index.js';
import { Conv2DTranspose, UpSampling1D, UpSampling2D, type Conv2DTransposeArgs, type UpSampling2DArgs } from '../layers/index.js';
import { DepthwiseConv2D, ReLU, SeparableConv2D } from '../layers/index.js';
import { Bidirectional, Embedding, GRU, Masking, LayerNormalization, LSTM, RepeatVector, SimpleRNN, TimeDistributed } from '../layers/index.js';
import { RecurrentLayer } from '../layers/recurrent.js';
import type { Layer, SymbolicTensor } from '../layer.js';
import { LayersModel } from '../model.js';
import { Sequential } from '../sequential.js';
import { anyValue, attrProblems, boolean, ignored, integer, number, only, onlyBecause, readAttrs, type AttrTable, type AttrValues } from './attributes.js';
import { compileConfigFromJson } from '../training-config-json.js';
import { checkSchema, layersModelConfig } from './schemas.js';
import { readWeightsManifest, type WeightsManifest } from './shared.js';

/**
 * Imports a tfjs Layers model (`model.json` + weight shards, as written by tfjs' `model.save` or
 * `tensorflowjs_converter --output_format tfjs_layers_model`): Sequential and Functional
 * topologies in the Keras 2 JSON format. Every unsupported layer is reported at once, by name,
 * before anything is built.
 */
interface LayerJson {
  class_name: string;
  config: Record<string, unknown> & { name?: string };
  name?: string;
  /** Functional models: per call, a list of [layerName, nodeIndex, tensorIndex, kwargs]. */
  inbound_nodes?: [string, number, number, unknown?][][];
}

interface ModelJson {
  modelTopology?: { class_name?: string; config?: { name?: string; layers?: LayerJson[]; input_layers?: [string, number, number][]; output_layers?: [string, number, number][] } | LayerJson[]; model_config?: unknown };
  weightsManifest?: WeightsManifest;
}

interface LayerImport {
  /** Every config key the layer reads or ignores; any other key present is refused. */
  readonly config: AttrTable;
  make(config: Readonly<Record<string, unknown>>, name: string): Layer;
}

const layer = <T extends AttrTable>(config: T, make: (c: AttrValues<T>, name: string) => Layer): LayerImport => ({
  config,
  make: make as LayerImport['make'],
});

/**
 * Keys every Keras layer config may have. The name is the layer's (read from the layer entry);
 * `trainable` only matters to an optimizer; nnc computes in float32 only.
 */
const BASE = { name: ignored, trainable: ignored, dtype: only('float32'), batch_input_shape: anyValue() } as const;

// int32 inputs carry token ids (an Embedding's).
const INPUT_LAYER = { name: ignored, batch_input_shape: anyValue(), dtype: only('float32', 'int32'), sparse: only(false), ragged: only(false) } as const;

/** Keras' data_format (null: its default, channels_last) as the layers' dataFormat. */
const DATA_FORMAT = only('channels_last', 'channels_first', null);
const dataFormatArg = (c: { data_format?: string | null }): { dataFormat: DataFormat } => ({ dataFormat: c.data_format === 'channels_first' ? 'channelsFirst' : 'channelsLast' });

/** MaxPooling2D and AveragePooling2D: `strides` null (or absent) means the pool size, as in Keras. */
const POOLING_2D = { ...BASE, pool_size: anyValue([2, 2]), strides: anyValue(null), padding: only('valid', 'same'), data_format: DATA_FORMAT } as const;

// Keras 2.6+ writes keepdims (true keeps the pooled axes as size 1); tfjs-layers does not.
const GLOBAL_POOLING_2D = { ...BASE, data_format: DATA_FORMAT, keepdims: boolean(false) } as const;

function poolingArgs(c: AttrValues<typeof POOLING_2D>): Pick<Pooling2DArgs, 'poolSize' | 'strides' | 'padding' | 'dataFormat'> {
  return { poolSize: c.pool_size as Pooling2DArgs['poolSize'], strides: c.strides as Pooling2DArgs['strides'], padding: c.padding, ...dataFormatArg(c) };
}

/**
 * The 1-D layers' data_format: tfjs-layers' 1-D poolings ignore it and its Conv1D returns a
 * channels-last tensor for channels_first, so there is no reference to check that form against.
 */
const DATA_FORMAT_1D = onlyBecause('tfjs-layers computes no channels-first 1-D layer to check nnc against', 'channels_last', null);

/** MaxPooling1D and AveragePooling1D: sizes as an int or [int] (Keras writes tuples, tfjs-layers lists). */
const POOLING_1D = { ...BASE, pool_size: anyValue(2), strides: anyValue(null), padding: only('valid', 'same'), data_format: DATA_FORMAT_1D } as const;

function pooling1dArgs(c: AttrValues<typeof POOLING_1D>): Pick<Pooling1DArgs, 'poolSize' | 'strides' | 'padding'> {
  return { poolSize: c.pool_size as Pooling1DArgs['poolSize'], strides: c.strides as Pooling1DArgs['strides'], padding: c.padding };
}

// tfjs-layers writes no data_format for the 1-D global poolings; Keras writes channels_last and, from 2.6, keepdims.
const GLOBAL_POOLING_1D = { ...BASE, data_format: DATA_FORMAT_1D, keepdims: boolean(false) } as const;

/** The config keys of a layer with a kernel, an optional bias and an activation (Dense, Conv2D). */
const KERNEL_LAYER = {
  activation: anyValue('linear'),
  use_bias: boolean(true),
  // How the loaded kernel and bias were initialized, and how training would regularize or
  // constrain them: nothing that changes what the layer computes.
  kernel_initializer: ignored,
  bias_initializer: ignored,
  kernel_regularizer: ignored,
  bias_regularizer: ignored,
  kernel_constraint: ignored,
  bias_constraint: ignored,
  // A loss term on the layer's output while training.
  activity_regularizer: only(null),
};

/**
 * BatchNormalization as Keras 2.x (axis as the resolved list [3]; TF-only keys renorm,
 * virtual_batch_size, fused), Keras 3 (synchronized) and tfjs-layers (axis as given, -1) write
 * it. Initializers, regularizers and constraints only shape training from scratch.
 */
const BATCH_NORMALIZATION = {
  ...BASE,
  axis: anyValue(-1),
  momentum: number(0.99),
  epsilon: number(1e-3),
  center: boolean(true),
  scale: boolean(true),
  beta_initializer: ignored,
  gamma_initializer: ignored,
  moving_mean_initializer: ignored,
  moving_variance_initializer: ignored,
  beta_regularizer: ignored,
  gamma_regularizer: ignored,
  beta_constraint: ignored,
  gamma_constraint: ignored,
  renorm: only(false),
  renorm_clipping: only(null),
  renorm_momentum: ignored,
  virtual_batch_size: only(null),
  fused: ignored,
  synchronized: only(false),
} as const;

/** One axis, written as an integer or a one-element list (Keras 2: [1]); anything else is passed on for the layer to refuse, naming it. */
const singleAxis = (axis: unknown): number => (Array.isArray(axis) && axis.length === 1 ? axis[0] : axis) as number;
/** The window keys of DepthwiseConv2D and SeparableConv2D, with their depthwise kernel's (Keras 2.x writes groups and the kernel_* keys too). */
const DEPTHWISE_LAYER = {
  ...BASE,
  kernel_size: anyValue(),
  strides: anyValue([1, 1]),
  padding: only('valid', 'same'),
  data_format: DATA_FORMAT,
  dilation_rate: anyValue([1, 1]),
  groups: only(1),
  depth_multiplier: integer(1),
  depthwise_initializer: ignored,
  depthwise_regularizer: ignored,
  depthwise_constraint: ignored,
  ...KERNEL_LAYER,
} as const;

/** The config keys every 2-D convolution layer reads (window, data format, activation, bias switch). */
interface ConvWindowConfig {
  kernel_size: unknown;
  strides: unknown;
  padding: string | null;
  data_format?: string | null;
  dilation_rate: unknown;
  activation: unknown;
  use_bias: boolean;
  batch_input_shape?: unknown;
}

/** Those keys as the layers' constructor arguments (Conv2D, Conv2DTranspose, the depthwise layers). */
function convWindowArgs(c: ConvWindowConfig, name: string) {
  return {
    name,
    kernelSize: c.kernel_size as IntOrPair,
    strides: c.strides as IntOrPair,
    padding: (c.padding ?? 'valid') as 'valid' | 'same',
    dilationRate: c.dilation_rate as IntOrPair,
    activation: String(c.activation ?? 'linear'),
    useBias: c.use_bias,
    ...dataFormatArg(c),
    ...shapeArgs(c),
  };
}

const depthwiseArgs = (c: AttrValues<typeof DEPTHWISE_LAYER>, name: string) => ({ ...convWindowArgs(c, name), depthMultiplier: c.depth_multiplier });

/**
 * SimpleRNN, GRU and LSTM as Keras 2.x, Keras 3 and tfjs-layers write them. nnc unrolls every
 * sequence (`unroll` changes nothing computed); `implementation` 1 / 2 is an order of operations;
 * masks are not supported, so `zero_output_for_mask` never applies. States kept across calls
 * and time-major inputs are refused.
 */
const RECURRENT_LAYER = {
  ...BASE,
  units: anyValue(),
  activation: anyValue('tanh'),
  use_bias: boolean(true),
  return_sequences: boolean(false),
  go_backwards: boolean(false),
  return_state: boolean(false),
  stateful: only(false),
  time_major: only(false),
  unroll: ignored,
  dropout: number(0),
  recurrent_dropout: number(0),
  zero_output_for_mask: ignored,
  // Keras 3: the dropout seed, and whether to run on cuDNN (the same function).
  seed: ignored,
  use_cudnn: ignored,
  kernel_initializer: ignored,
  recurrent_initializer: ignored,
  bias_initializer: ignored,
  kernel_regularizer: ignored,
  recurrent_regularizer: ignored,
  bias_regularizer: ignored,
  kernel_constraint: ignored,
  recurrent_constraint: ignored,
  bias_constraint: ignored,
  activity_regularizer: only(null),
} as const;

// tfjs-layers' default gate activation (Keras 2.3+ writes sigmoid explicitly).
const GATED_LAYER = { ...RECURRENT_LAYER, recurrent_activation: anyValue('hard_sigmoid'), implementation: only(2, 1, null) } as const;


const recurrentArgs = (c: AttrValues<typeof RECURRENT_LAYER>, name: string) => ({
  name,
  units: Number(c.units),
  activation: String(c.activation ?? 'linear'),
  useBias: c.use_bias,
  returnSequences: c.return_sequences,
  returnState: c.return_state,
  goBackwards: c.go_backwards,
  dropout: c.dropout,
  recurrentDropout: c.recurrent_dropout,
  ...shapeArgs(c),
});

const gatedArgs = (c: AttrValues<typeof GATED_LAYER>, name: string) => ({
  ...recurrentArgs(c, name),
  ...(c.implementation === null ? {} : { implementation: c.implementation }),
  recurrentActivation: String(c.recurrent_activation ?? 'linear'),
});

/** Keras class names nnc understands: the config keys each reads or ignores, and how to make it. */
const LAYER_IMPORTS: Record<string, LayerImport> = {
  Dense: layer(
    {
      ...BASE,
      units: anyValue(),
      ...KERNEL_LAYER,
    },
    (c, name) => new Dense({ name, units: Number(c.units), activation: String(c.activation ?? 'linear'), useBias: c.use_bias, ...shapeArgs(c) }),
  ),
  // Keras 2.x and tfjs-layers spell sizes as an int or a pair; `groups` is Keras 2.3+.
  Conv2D: layer(
    {
      ...BASE,
      filters: integer(),
      kernel_size: anyValue(),
      strides: anyValue([1, 1]),
      padding: only('valid', 'same'),
      data_format: DATA_FORMAT,
      dilation_rate: anyValue([1, 1]),
      groups: integer(1),
      ...KERNEL_LAYER,
    },
    (c, name) => new Conv2D({ ...convWindowArgs(c, name), filters: Number(c.filters), groups: c.groups }),
  ),
  DepthwiseConv2D: layer(DEPTHWISE_LAYER, (c, name) => new DepthwiseConv2D(depthwiseArgs(c, name))),
  SeparableConv2D: layer(
    { ...DEPTHWISE_LAYER, filters: integer(), pointwise_initializer: ignored, pointwise_regularizer: ignored, pointwise_constraint: ignored },
    (c, name) => new SeparableConv2D({ ...depthwiseArgs(c, name), filters: Number(c.filters) }),
  ),
  // Keras' ReLU also has negative_slope and threshold; tfjs' only max_value.
  ReLU: layer({ ...BASE, max_value: anyValue(null), negative_slope: only(0), threshold: only(0) }, (c, name) => new ReLU({ name, maxValue: c.max_value as number | null, ...shapeArgs(c) })),
  Flatten: layer({ ...BASE, data_format: only('channels_last') }, (c, name) => new Flatten({ name, ...shapeArgs(c) })),
  Reshape: layer({ ...BASE, target_shape: anyValue() }, (c, name) => new Reshape({ name, targetShape: c.target_shape as number[], ...shapeArgs(c) })),
  Activation: layer({ ...BASE, activation: anyValue() }, (c, name) => new Activation({ name, activation: String(c.activation), ...shapeArgs(c) })),
  // At inference Dropout is the identity; its seed only picks training masks. A noise_shape would
  // share masks across axes in training, which nnc's dropout does not do.
  Dropout: layer({ ...BASE, rate: anyValue(), noise_shape: only(null), seed: ignored }, (c, name) => new Dropout({ name, rate: Number(c.rate), ...shapeArgs(c) })),
  LeakyReLU: layer({ ...BASE, alpha: number(0.3) }, (c, name) => new LeakyReLU({ name, alpha: c.alpha, ...shapeArgs(c) })),
  Add: layer(BASE, (_c, name) => new Add({ name })),
  Subtract: layer(BASE, (_c, name) => new Subtract({ name })),
  Multiply: layer(BASE, (_c, name) => new Multiply({ name })),
  Concatenate: layer({ ...BASE, axis: integer(-1) }, (c, name) => new Concatenate({ name, axis: c.axis })),
  MaxPooling2D: layer(POOLING_2D, (c, name) => new MaxPooling2D({ name, ...poolingArgs(c), ...shapeArgs(c) })),
  AveragePooling2D: layer(POOLING_2D, (c, name) => new AveragePooling2D({ name, ...poolingArgs(c), ...shapeArgs(c) })),
  GlobalAveragePooling2D: layer(GLOBAL_POOLING_2D, (c, name) => new GlobalAveragePooling2D({ name, ...dataFormatArg(c), keepdims: c.keepdims, ...shapeArgs(c) })),
  GlobalMaxPooling2D: layer(GLOBAL_POOLING_2D, (c, name) => new GlobalMaxPooling2D({ name, ...dataFormatArg(c), keepdims: c.keepdims, ...shapeArgs(c) })),
  ZeroPadding2D: layer({ ...BASE, padding: anyValue(1), data_format: DATA_FORMAT }, (c, name) => new ZeroPadding2D({ name, padding: c.padding as ZeroPadding2DArgs['padding'], ...dataFormatArg(c), ...shapeArgs(c) })),
  Permute: layer({ ...BASE, dims: anyValue() }, (c, name) => new Permute({ name, dims: c.dims as number[], ...shapeArgs(c) })),
  Conv1D: layer(
    {
      ...BASE,
      filters: integer(),
      kernel_size: anyValue(),
      strides: anyValue(1),
      padding: only('valid', 'same', 'causal'),
      data_format: DATA_FORMAT_1D,
      dilation_rate: anyValue(1),
      groups: only(1),
      ...KERNEL_LAYER,
    },
    (c, name) =>
      new Conv1D({
        name,
        filters: Number(c.filters),
        kernelSize: c.kernel_size as Conv1DArgs['kernelSize'],
        strides: c.strides as Conv1DArgs['strides'],
        padding: (c.padding ?? 'valid') as Conv1DArgs['padding'],
        dilationRate: c.dilation_rate as Conv1DArgs['dilationRate'],
        activation: String(c.activation ?? 'linear'),
        useBias: c.use_bias,
        ...shapeArgs(c),
      }),
  ),
  MaxPooling1D: layer(POOLING_1D, (c, name) => new MaxPooling1D({ name, ...pooling1dArgs(c), ...shapeArgs(c) })),
  AveragePooling1D: layer(POOLING_1D, (c, name) => new AveragePooling1D({ name, ...pooling1dArgs(c), ...shapeArgs(c) })),
  GlobalAveragePooling1D: layer(GLOBAL_POOLING_1D, (c, name) => new GlobalAveragePooling1D({ name, keepdims: c.keepdims, ...shapeArgs(c) })),
  GlobalMaxPooling1D: layer(GLOBAL_POOLING_1D, (c, name) => new GlobalMaxPooling1D({ name, keepdims: c.keepdims, ...shapeArgs(c) })),
  ZeroPadding1D: layer({ ...BASE, padding: anyValue(1) }, (c, name) => new ZeroPadding1D({ name, padding: c.padding as ZeroPadding1DArgs['padding'], ...shapeArgs(c) })),
  Cropping2D: layer({ ...BASE, cropping: anyValue([[0, 0], [0, 0]]), data_format: DATA_FORMAT }, (c, name) =>
    new Cropping2D({ name, cropping: c.cropping as Cropping2DArgs['cropping'], ...dataFormatArg(c), ...shapeArgs(c) }),
  ),
  Average: layer(BASE, (_c, name) => new Average({ name })),
  Maximum: layer(BASE, (_c, name) => new Maximum({ name })),
  Minimum: layer(BASE, (_c, name) => new Minimum({ name })),
  BatchNormalization: layer(BATCH_NORMALIZATION, (c, name) =>
    new BatchNormalization({ name, axis: singleAxis(c.axis), momentum: c.momentum, epsilon: c.epsilon, center: c.center, scale: c.scale, ...shapeArgs(c) }),
  ),
  Conv2DTranspose: layer(
    {
      ...BASE,
      filters: integer(),
      kernel_size: anyValue(),
      strides: anyValue([1, 1]),
      padding: only('valid', 'same'),
      data_format: DATA_FORMAT,
      dilation_rate: anyValue([1, 1]),
      output_padding: anyValue(null),
      groups: only(1),
      ...KERNEL_LAYER,
    },
    (c, name) => new Conv2DTranspose({ ...convWindowArgs(c, name), filters: Number(c.filters), outputPadding: c.output_padding as Conv2DTransposeArgs['outputPadding'] }),
  ),
  UpSampling2D: layer(
    { ...BASE, size: anyValue([2, 2]), data_format: DATA_FORMAT, interpolation: only('nearest', 'bilinear') },
    (c, name) => new UpSampling2D({ name, size: c.size as UpSampling2DArgs['size'], interpolation: (c.interpolation ?? 'nearest') as 'nearest' | 'bilinear', ...dataFormatArg(c), ...shapeArgs(c) }),
  ),
  UpSampling1D: layer({ ...BASE, size: integer(2) }, (c, name) => new UpSampling1D({ name, size: c.size, ...shapeArgs(c) })),
  SimpleRNN: layer(RECURRENT_LAYER, (c, name) => new SimpleRNN(recurrentArgs(c, name))),
  // The forget gate's bias start only matters to training from scratch.
  LSTM: layer({ ...GATED_LAYER, unit_forget_bias: ignored }, (c, name) => new LSTM(gatedArgs(c, name))),
  // tfjs-layers writes reset_after false (its only form); Keras 2.x TF2 writes true by default.
  GRU: layer({ ...GATED_LAYER, reset_after: boolean(false) }, (c, name) => new GRU({ ...gatedArgs(c, name), resetAfter: c.reset_after })),
  // Keras 2.x writes axis as a list ([2]); Keras 3's RMS scaling is another function.
  LayerNormalization: layer(
    {
      ...BASE,
      axis: anyValue(-1),
      epsilon: number(1e-3),
      center: boolean(true),
      scale: boolean(true),
      rms_scaling: only(false),
      beta_initializer: ignored,
      gamma_initializer: ignored,
      beta_regularizer: ignored,
      gamma_regularizer: ignored,
      beta_constraint: ignored,
      gamma_constraint: ignored,
    },
    (c, name) => new LayerNormalization({ name, axis: singleAxis(c.axis), epsilon: c.epsilon, center: c.center, scale: c.scale, ...shapeArgs(c) }),
  ),
  // merge_mode null: the two outputs apart. Keras 2.x writes backward_layer only for a backward layer of the user's own.
  Bidirectional: layer({ ...BASE, layer: anyValue(), merge_mode: only('concat', 'sum', 'mul', 'ave', null), backward_layer: only(null) }, (c, name) =>
    new Bidirectional({ name, layer: wrappedLayer(c.layer, name, (l) => l instanceof RecurrentLayer) as RecurrentLayer, mergeMode: c.merge_mode, ...shapeArgs(c) }),
  ),
  TimeDistributed: layer({ ...BASE, layer: anyValue() }, (c, name) => new TimeDistributed({ name, layer: wrappedLayer(c.layer, name, (l) => l.lastAxisOnly), ...shapeArgs(c) })),
  RepeatVector: layer({ ...BASE, n: integer() }, (c, name) => new RepeatVector({ name, n: c.n!, ...shapeArgs(c) })),
  Masking: layer({ ...BASE, mask_value: number(0) }, (c, name) => new Masking({ name, maskValue: c.mask_value, ...shapeArgs(c) })),
  // nnc has no training-time penalties or constraints on the embeddings.
  Embedding: layer(
    {
      ...BASE,
      input_dim: integer(),
      output_dim: integer(),
      embeddings_initializer: ignored,
      embeddings_regularizer: only(null),
      activity_regularizer: only(null),
      embeddings_constraint: only(null),
      // tfjs-layers writes null when maskZero was not given.
      mask_zero: anyValue(null),
      input_length: anyValue(null),
    },
    (c, name) =>
      new Embedding({
        name,
        inputDim: c.input_dim!,
        outputDim: c.output_dim!,
        maskZero: c.mask_zero === true,
        ...(c.input_length == null ? {} : { inputLength: c.input_length as number | number[] }),
        ...shapeArgs(c),
      }),
  ),
};

/** The layer a wrapper's `layer` key holds, its config checked key by key as a top-level one's; the wrapper refuses a layer it cannot wrap. */
function wrappedLayer(json: unknown, wrapper: string, wraps: (l: Layer) => boolean): Layer {
  const l = json as LayerJson;
  const location = { layer: wrapper };
  const table = typeof l === 'object' && l !== null ? ownEntry(LAYER_IMPORTS, String(l.class_name))?.config : undefined;
  if (!table) throw new NncError('NNC6001', `wrapped layer ${JSON.stringify((l as { class_name?: unknown } | null)?.class_name)}`, { location });
  const problems = attrProblems(table, Object.entries(l.config ?? {}), l.class_name, 'config key');
  if (problems.length > 0) throw new NncErrorList('NNC6001', problems.map((p) => new NncError('NNC6001', p, { location })), { location });
  const made = makeLayer(l);
  if (!wraps(made)) throw new NncError('NNC6001', `${l.class_name} inside this wrapper`, { location });
  return made;
}

function shapeArgs(c: { batch_input_shape?: unknown }): { batchInputShape?: (number | null)[] } {
  return Array.isArray(c.batch_input_shape) ? { batchInputShape: c.batch_input_shape as (number | null)[] } : {};
}

export function loadTfjsLayersModel(path: string): LayersModel {
  const file = resolve(path);
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as ModelJson;
  } catch (e) {
    throw new NncError('NNC6002', `cannot read ${path} as JSON: ${(e as Error).message}`, { location: { file: path } });
  }
  // A file whose JSON is not an object, or whose modelTopology is not one, has no topology.
  const object = (v: unknown): v is object => typeof v === 'object' && v !== null;
  const topology = (object(json) && object(json.modelTopology) ? json.modelTopology : undefined) as ModelJson['modelTopology'] & { model_config?: unknown };
  const root = (topology && 'model_config' in topology && object(topology.model_config) ? topology.model_config : topology) as
    | { class_name?: string; config?: unknown }
    | undefined;
  if (!root?.class_name)
    throw new NncError('NNC6002', `${path} has no modelTopology with a class_name`, {
      location: { file: path },
      hint: 'Expected a tfjs Layers model.json (tfjs model.save or tensorflowjs_converter --output_format tfjs_layers_model). For a tfjs graph model, use the graph importer.',
    });
  const rootPath = root === topology ? ['modelTopology'] : ['modelTopology', 'model_config'];
  const checked = checkSchema(layersModelConfig(root.config), root.config ?? {}, path, 'the model topology', [...rootPath, 'config']);
  const config = (Array.isArray(checked) ? { layers: checked } : checked) as {
    name?: string;
    layers?: LayerJson[];
    input_layers?: [string, number, number][];
    output_layers?: [string, number, number][];
  };
  const layerJsons = config.layers ?? [];
  checkSupported(layerJsons, path);
  completeSeparableMultipliers(layerJsons, json.weightsManifest);
  const model =
    root.class_name === 'Sequential' ? buildSequential(config.name, layerJsons) : buildFunctional(config.name, layerJsons, config, path);
  loadWeights(model, json, dirname(file), path);
  const training = compileConfigFromJson((json as { trainingConfig?: unknown }).trainingConfig ?? (topology as { training_config?: unknown }).training_config, path);
  if (training) model.compile(training);
  return model;
}

/** Every unsupported layer, and every config key a layer does not handle set to another value than its default, at once. */
function checkSupported(layers: LayerJson[], path: string): void {
  const unsupported: NncError[] = [];
  const refused: NncError[] = [];
  for (const l of layers) {
    const location = { file: path, layer: layerName(l) };
    const table = l.class_name === 'InputLayer' ? INPUT_LAYER : ownEntry(LAYER_IMPORTS, l.class_name)?.config;
    if (!table) unsupported.push(new NncError('NNC6001', `${l.class_name}`, { location }));
    else refused.push(...attrProblems(table, Object.entries(l.config ?? {}), l.class_name, 'config key').map((p) => new NncError('NNC6001', p, { location })));
  }
  if (unsupported.length + refused.length > 0)
    throw new NncErrorList('NNC6001', [...unsupported, ...refused], {
      location: { file: path },
      hint:
        unsupported.length > 0
          ? `Supported layers: InputLayer, ${Object.keys(LAYER_IMPORTS).join(', ')}. Config keys are honoured only where named as supported.`
          : 'nnc honours these config keys only at the values it names; save the model without them or file an issue naming them.',
    });
}

/**
 * tfjs-layers writes SeparableConv2D without depth_multiplier (Keras writes it); the saved
 * depthwise kernel [kh, kw, c, m] states it, so an absent one is read from the kernel's shape.
 */
function completeSeparableMultipliers(layers: LayerJson[], manifest: WeightsManifest | undefined): void {
  for (const l of layers) {
    if (l.class_name !== 'SeparableConv2D' || l.config.depth_multiplier !== undefined) continue;
    const kernel = (manifest ?? []).flatMap((g) => g.weights ?? []).find((w) => w.name === `${layerName(l)}/depthwise_kernel`);
    if (kernel?.shape.length === 4) l.config = { ...l.config, depth_multiplier: kernel.shape[3] };
  }
}

/** A layer's config values, defaults applied. */
const configOf = <T extends AttrTable>(l: LayerJson, table: T): AttrValues<T> => readAttrs(table, new Map(Object.entries(l.config ?? {})));

/** Makes the nnc layer of a supported (checked) layer entry. */
function makeLayer(l: LayerJson): Layer {
  const imp = LAYER_IMPORTS[l.class_name]!;
  return imp.make(configOf(l, imp.config), layerName(l));
}

function inputLayer(l: LayerJson): InputLayer {
  const c = configOf(l, INPUT_LAYER);
  return new InputLayer({ batchShape: c.batch_input_shape as (number | null)[], name: layerName(l), dtype: c.dtype as 'float32' | 'int32' });
}

function layerName(l: LayerJson): string {
  return String(l.name ?? l.config.name ?? '?');
}

function buildSequential(name: string | undefined, layers: LayerJson[]): LayersModel {
  const seq = new Sequential(name ? { name } : {});
  for (const l of layers) {
    if (l.class_name === 'InputLayer') {
      seq.add(inputLayer(l));
      continue;
    }
    seq.add(makeLayer(l));
  }
  return seq;
}

/**
 * Rebuilds a Functional model by applying each layer once all tensors it reads exist. A layer
 * that can never run because it (indirectly) reads its own output is a cycle: NNC2001 with the path.
 */
function buildFunctional(
  name: string | undefined,
  layers: LayerJson[],
  config: { input_layers?: [string, number, number][]; output_layers?: [string, number, number][] },
  path: string,
): LayersModel {
  const byName = new Map(layers.map((l) => [layerName(l), l]));
  const objects = new Map<string, Layer>();
  const outputs = new Map<string, SymbolicTensor[][]>(); // layer name -> the outputs of each call
  for (const l of layers) {
    const n = layerName(l);
    if (l.class_name === 'InputLayer') {
      const input = inputLayer(l);
      objects.set(n, input);
      outputs.set(n, [[input.output]]);
    } else objects.set(n, makeLayer(l));
  }
  const pending = layers.filter((l) => l.class_name !== 'InputLayer').flatMap((l) => (l.inbound_nodes ?? []).map((node) => ({ layer: l, node })));
  for (const { layer, node } of pending)
    for (const [src] of node)
      if (!byName.has(src))
        throw new NncError('NNC6002', `layer '${layerName(layer)}' reads from unknown layer '${src}'`, { location: { file: path, layer: layerName(layer) } });
  let progress = true;
  while (pending.length > 0 && progress) {
    progress = false;
    for (let i = 0; i < pending.length; i++) {
      const { layer, node } = pending[i]!;
      const ins = node.map(([src, nodeIndex, tensorIndex]) => outputs.get(src)?.[nodeIndex]?.[tensorIndex ?? 0]);
      if (ins.some((t) => t === undefined)) continue;
      const n = layerName(layer);
      const obj = objects.get(n)!;
      const out = obj.applyAll(obj.arity === 1 ? ins[0]! : (ins as SymbolicTensor[]));
      outputs.set(n, [...(outputs.get(n) ?? []), out]);
      pending.splice(i--, 1);
      progress = true;
    }
  }
  if (pending.length > 0) {
    const cycle = findCycle(pending.map((p) => p.layer));
    throw new NncError('NNC2001', cycle.join(' -> '), { location: { file: path, layer: cycle[0]! } });
  }
  const pick = (refs: [string, number, number][] | undefined, what: string) =>
    (refs ?? []).map(([n, nodeIndex, tensorIndex]) => {
      const t = outputs.get(n)?.[nodeIndex]?.[tensorIndex ?? 0];
      if (!t) throw new NncError('NNC6002', `${what} [${JSON.stringify(n)}, ${nodeIndex}, ${tensorIndex}] is not an output of a layer of the model`, { location: { file: path } });
      return t;
    });
  return new LayersModel({ inputs: pick(config.input_layers, 'input'), outputs: pick(config.output_layers, 'output'), ...(name ? { name } : {}) });
}

/** A dependency cycle among layers that could not be applied, as a path `a -> b -> a`. */
function findCycle(stuck: LayerJson[]): string[] {
  const deps = new Map(stuck.map((l) => [layerName(l), (l.inbound_nodes ?? []).flat().map(([src]) => src)]));
  const done = new Set<string>();
  // Depth-first with an explicit stack (a hostile file may chain thousands of layers).
  for (const start of deps.keys()) {
    if (done.has(start)) continue;
    const chain: { name: string; next: number }[] = [{ name: start, next: 0 }];
    const onChain = new Map([[start, 0]]);
    while (chain.length > 0) {
      const top = chain[chain.length - 1]!;
      const next = deps.get(top.name)![top.next++];
      if (next === undefined) {
        chain.pop();
        onChain.delete(top.name);
        done.add(top.name);
        continue;
      }
      const at = onChain.get(next);
      if (at !== undefined) return [...chain.slice(at).map((f) => f.name), next];
      if (done.has(next) || !deps.has(next)) continue;
      onChain.set(next, chain.length);
      chain.push({ name: next, next: 0 });
    }
  }
  return [...deps.keys()];
}

/**
 * Keras 2.x saves a recurrent layer's weights under its cell (`lstm_1/lstm_cell_1/kernel`); the
 * layer's `lstm_1/kernel` is that one when exactly one such `layer/cell/suffix` name exists.
 */
function cellWeightName(names: ReadonlyMap<string, unknown>, name: string): string {
  const cut = name.lastIndexOf('/');
  const [layer, suffix] = [name.slice(0, cut), name.slice(cut + 1)];
  const found = [...names.keys()].filter((n) => n.startsWith(`${layer}/`) && n.endsWith(`/${suffix}`) && n.split('/').length === name.split('/').length + 1);
  return found.length === 1 ? found[0]! : name;
}

/** Assigns the manifest's weights to the layers by name, checking sizes. */
function loadWeights(model: LayersModel, json: ModelJson, dir: string, path: string): void {
  const byName = readWeightsManifest(json.weightsManifest, dir, path);
  for (const layer of model.layers)
    for (const w of layer.weights) {
      const t = byName.get(w.name) ?? byName.get(cellWeightName(byName, w.name));
      if (!t) throw new NncError('NNC6002', `no weights for '${w.name}' in the manifest`, { location: { file: path, layer: layer.name } });
      if (t.dtype !== 'f32') throw new NncError('NNC6001', `weight '${w.name}' has dtype int32; layer weights are float32`, { location: { file: path, layer: layer.name } });
      if (t.data.length !== w.data.length)
        throw new NncError('NNC6002', `weight '${w.name}' has ${t.data.length} values, the layer needs ${w.data.length}`, { location: { file: path, layer: layer.name } });
      w.data = t.data;
    }
}
