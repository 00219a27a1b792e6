/**
 * The oracle outside the project: rebuilds an nnc model in @tensorflow/tfjs (cpu backend) layer
 * by layer with the same topology and the same weights, so golden tests can compare nnc's
 * outputs with tfjs's on identical inputs.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayersModel } from '../../src/frontend/model.js';
import type { Layer, SymbolicTensor } from '../../src/frontend/layer.js';
import {
  Activation,
  Add,
  AveragePooling2D,
  BatchNormalization,
  Concatenate,
  Conv2D,
  Conv2DTranspose,
  Dense,
  DepthwiseConv2D,
  ReLU,
  SeparableConv2D,
  Dropout,
  Flatten,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  InputLayer,
  LeakyReLU,
  MaxPooling2D,
  Multiply,
  Reshape,
  Subtract,
  UpSampling1D,
  UpSampling2D,
  ZeroPadding2D,
  Permute,
  Average,
  AveragePooling1D,
  Conv1D,
  Cropping2D,
  GlobalAveragePooling1D,
  GlobalMaxPooling1D,
  Maximum,
  MaxPooling1D,
  Minimum,
  ZeroPadding1D,
  Bidirectional,
  LayerNormalization,
  RepeatVector,
  TimeDistributed,
  GRU,
  LSTM,
  SimpleRNN,
  Embedding,
  Masking,
} from '../../src/frontend/layers/index.js';
import { TfjsGruResetAfter } from './tfjs-gru-reset-after.js';
import type { ActivationName } from '../../src/ir/activations.js';

let ready: Promise<void> | undefined;

/** Selects tfjs's cpu backend once (the reference kernels, float32). */
export function tfjsReady(): Promise<void> {
  ready ??= (async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  })();
  return ready;
}

/** tfjs-layers has no Subtract layer (Keras has); this one computes a - b as Keras does. */
class TfjsSubtract extends tf.layers.Layer {
  // Serialized as Keras' own Subtract layer, so saved twins read as Keras models.
  static className = 'Subtract';
  override computeOutputShape(shapes: tf.Shape[]): tf.Shape {
    return shapes[0]!;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [a, b] = inputs as tf.Tensor[];
    return tf.sub(a!, b!);
  }
}

/** tfjs-layers has no ZeroPadding1D layer (Keras has); this one pads the steps axis as Keras does. */
class TfjsZeroPadding1D extends tf.layers.Layer {
  static className = 'ZeroPadding1D';
  constructor(private readonly sides: readonly [number, number], args: { name: string }) {
    super(args);
  }
  override computeOutputShape(shape: tf.Shape | tf.Shape[]): tf.Shape {
    const [n, steps, c] = shape as tf.Shape;
    return [n!, steps! + this.sides[0] + this.sides[1], c!];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.pad(x, [[0, 0], [...this.sides], [0, 0]]);
  }
}

/**
 * tfjs-layers has no UpSampling1D (Keras has): each step repeated `size` times, as Keras'
 * repeat_elements, by tiling a [batch, steps, 1, channels] view.
 */
class TfjsUpSampling1D extends tf.layers.Layer {
  static className = 'UpSampling1D';
  readonly size: number;
  constructor(args: { size: number; name: string }) {
    super({ name: args.name });
    this.size = args.size;
  }
  override computeOutputShape(shape: tf.Shape): tf.Shape {
    return [shape[0]!, shape[1]! * this.size, shape[2]!];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs)!;
    const [n, steps, c] = x.shape as number[];
    return tf.reshape(tf.tile(tf.reshape(x, [n!, steps!, 1, c!]), [1, 1, this.size, 1]), [n!, steps! * this.size, c!]);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), size: this.size };
  }
}

type TfjsBatchNormArgs = NonNullable<Parameters<typeof tf.layers.batchNormalization>[0]>;
type TfjsBatchNorm = ReturnType<typeof tf.layers.batchNormalization>;
let anyAxisBatchNorm: (new (args: TfjsBatchNormArgs) => TfjsBatchNorm) | undefined;

/**
 * tfjs-layers' BatchNormalization, correct on any axis. tfjs' cpu FusedBatchNorm kernel reads mean,
 * variance, gamma and beta cyclically along the flat index, i.e. along the last axis whatever the
 * layer's axis (tensorflow/tfjs#1106), so tfjs-layers computes another function for axis 1 of an
 * NCHW image. This subclass moves the axis last, runs tfjs' own layer there (inference and
 * training, moving averages included) and moves it back; weights, config and summary row are
 * tfjs' layer's.
 */
export function tfjsBatchNormalization(args: TfjsBatchNormArgs): TfjsBatchNorm {
  anyAxisBatchNorm ??= class extends (tf.layers.batchNormalization({ name: 'nnc_twin_probe' }).constructor as new (args: TfjsBatchNormArgs) => TfjsBatchNorm) {
    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const layer = this as unknown as { axis: number };
      const given = layer.axis;
      const axis = given < 0 ? given + x.rank : given;
      if (axis === x.rank - 1) return super.call(inputs, kwargs);
      const perm = [...Array.from({ length: x.rank }, (_, i) => i).filter((i) => i !== axis), axis];
      const inverse = perm.map((_, i) => perm.indexOf(i));
      layer.axis = -1;
      try {
        return tf.transpose(super.call(tf.transpose(x, perm), kwargs) as tf.Tensor, inverse);
      } finally {
        layer.axis = given;
      }
    }
  };
  return new anyAxisBatchNorm(args);
}

/**
 * The tfjs layer applying an nnc activation, created once per nnc layer so shared layers stay
 * shared. tfjs-layers has no leakyRelu activation string: it is a LeakyReLU layer (alpha 0.2 as nnc).
 */
function activationLayer(act: ActivationName, name: string): tf.layers.Layer | undefined {
  if (act === 'linear') return undefined;
  if (act === 'leakyRelu') return tf.layers.leakyReLU({ alpha: 0.2, name: `${name}_leaky` });
  return tf.layers.activation({ activation: act as never, name: `${name}_act` });
}

interface Twin {
  /** The layer holding the weights (if any) first. */
  readonly tfLayers: tf.layers.Layer[];
  /** The outputs of one call: a list for a layer that returns several. */
  apply(inputs: tf.SymbolicTensor[]): tf.SymbolicTensor | tf.SymbolicTensor[];
}

/**
 * tfjs-layers' global poolings have no keepdims (Keras 2.6+'s), so tfjs cannot compute it itself:
 * the twin of keepdims true is tfjs' own global pooling, [N, C], followed by a tfjs Reshape of
 * each call's result to the kept shape, a 1 per pooled axis on the data format's side of the
 * channels (tfjs' Reshape cannot infer a -1 while the batch is unknown: the channels are given).
 */
function globalPoolingTwin(pool: tf.layers.Layer, layer: GlobalAveragePooling2D | GlobalMaxPooling2D | GlobalAveragePooling1D | GlobalMaxPooling1D, pooled: 1 | 2): Twin {
  if (!layer.keepdims) return chain(pool);
  const ones = new Array<number>(pooled).fill(1);
  return {
    tfLayers: [pool],
    apply: (xs) => {
      const y = pool.apply(xs[0]!) as tf.SymbolicTensor;
      const channels = y.shape[1]!;
      return tf.layers.reshape({ targetShape: layer.dataFormat === 'channelsFirst' ? [channels, ...ones] : [...ones, channels] }).apply(y) as tf.SymbolicTensor;
    },
  };
}

/** A chain of tfjs layers applied one after another (the first takes all inputs). */
function chain(...layers: (tf.layers.Layer | undefined)[]): Twin {
  const present = layers.filter((l): l is tf.layers.Layer => l !== undefined);
  return {
    tfLayers: present,
    apply: (xs) => present.reduce<tf.SymbolicTensor | tf.SymbolicTensor[]>((x, l) => l.apply(x) as tf.SymbolicTensor | tf.SymbolicTensor[], xs.length === 1 ? xs[0]! : xs),
  };
}

function twinLayer(layer: Layer): Twin {
  const name = layer.name;
  if (layer instanceof Dense) return chain(tf.layers.dense({ units: layer.units, useBias: layer.useBias, name }), activationLayer(layer.activation, name));
  if (layer instanceof Conv2DTranspose)
    return chain(
      tf.layers.conv2dTranspose({ filters: layer.filters, kernelSize: layer.kernelSize, strides: layer.strides, padding: layer.padding, useBias: layer.useBias, dataFormat: layer.dataFormat, name }),
      activationLayer(layer.activation, name),
    );
  if (layer instanceof UpSampling2D) return chain(tf.layers.upSampling2d({ size: layer.size, interpolation: layer.interpolation, dataFormat: layer.dataFormat, name }));
  if (layer instanceof UpSampling1D) return chain(new TfjsUpSampling1D({ size: layer.size, name }));
  if (layer instanceof Conv2D)
    return chain(
      tf.layers.conv2d({ filters: layer.filters, kernelSize: layer.kernelSize, strides: layer.strides, padding: layer.padding, dilationRate: layer.dilationRate, useBias: layer.useBias, dataFormat: layer.dataFormat, name }),
      activationLayer(layer.activation, name),
    );
  if (layer instanceof DepthwiseConv2D && layer.dilationRate.some((d) => d > 1)) throw new Error('tfjs twin: tfjs-layers DepthwiseConv2D ignores dilationRate');
  if (layer instanceof DepthwiseConv2D)
    return chain(
      tf.layers.depthwiseConv2d({ kernelSize: layer.kernelSize, depthMultiplier: layer.depthMultiplier, strides: layer.strides, padding: layer.padding, dilationRate: layer.dilationRate, useBias: layer.useBias, dataFormat: layer.dataFormat, name }),
      activationLayer(layer.activation, name),
    );
  if (layer instanceof SeparableConv2D)
    return chain(
      tf.layers.separableConv2d({ filters: layer.filters, kernelSize: layer.kernelSize, depthMultiplier: layer.depthMultiplier, strides: layer.strides, padding: layer.padding, dilationRate: layer.dilationRate, useBias: layer.useBias, dataFormat: layer.dataFormat, name }),
      activationLayer(layer.activation, name),
    );
  if (layer instanceof ReLU) return chain(tf.layers.reLU({ ...(layer.maxValue === null ? {} : { maxValue: layer.maxValue }), name }));
  if (layer instanceof Activation) return chain(activationLayer(layer.activation, name) ?? tf.layers.activation({ activation: 'linear', name }));
  if (layer instanceof Flatten) return chain(tf.layers.flatten({ name }));
  if (layer instanceof Reshape) return chain(tf.layers.reshape({ targetShape: [...layer.targetShape], name }));
  if (layer instanceof Dropout) return chain(tf.layers.dropout({ rate: layer.rate, name }));
  if (layer instanceof LeakyReLU) return chain(tf.layers.leakyReLU({ alpha: layer.alpha, name }));
  if (layer instanceof Add) return chain(tf.layers.add({ name }));
  if (layer instanceof Subtract) return chain(new TfjsSubtract({ name }));
  if (layer instanceof Multiply) return chain(tf.layers.multiply({ name }));
  if (layer instanceof Concatenate) return chain(tf.layers.concatenate({ axis: layer.axis, name }));
  if (layer instanceof MaxPooling2D) return chain(tf.layers.maxPooling2d({ poolSize: layer.poolSize, strides: layer.strides, padding: layer.padding, dataFormat: layer.dataFormat, name }));
  if (layer instanceof AveragePooling2D) return chain(tf.layers.averagePooling2d({ poolSize: layer.poolSize, strides: layer.strides, padding: layer.padding, dataFormat: layer.dataFormat, name }));
  if (layer instanceof GlobalAveragePooling2D) return globalPoolingTwin(tf.layers.globalAveragePooling2d({ dataFormat: layer.dataFormat, name }), layer, 2);
  if (layer instanceof GlobalMaxPooling2D) return globalPoolingTwin(tf.layers.globalMaxPooling2d({ dataFormat: layer.dataFormat, name }), layer, 2);
  if (layer instanceof ZeroPadding2D) return chain(tf.layers.zeroPadding2d({ padding: layer.padding.map((p) => [...p]) as [[number, number], [number, number]], dataFormat: layer.dataFormat, name }));
  if (layer instanceof Permute) return chain(tf.layers.permute({ dims: [...layer.dims], name }));
  if (layer instanceof Conv1D) {
    // tfjs-layers does not implement causal padding; Keras computes it as zeros before the steps
    // (dilation · (kernel - 1) of them) and a 'valid' convolution, and so does the twin.
    const causal = layer.padding === 'causal';
    const conv = tf.layers.conv1d({ filters: layer.filters, kernelSize: layer.kernelSize, strides: layer.strides, padding: causal ? 'valid' : layer.padding, dilationRate: layer.dilationRate, useBias: layer.useBias, name });
    if (!causal) return chain(conv, activationLayer(layer.activation, name));
    const padded = chain(new TfjsZeroPadding1D([layer.dilationRate * (layer.kernelSize - 1), 0], { name: `${name}_causal_pad` }), conv, activationLayer(layer.activation, name));
    return { tfLayers: [conv], apply: padded.apply };
  }
  if (layer instanceof MaxPooling1D) return chain(tf.layers.maxPooling1d({ poolSize: layer.poolSize, strides: layer.strides, padding: layer.padding, name }));
  if (layer instanceof AveragePooling1D) return chain(tf.layers.averagePooling1d({ poolSize: layer.poolSize, strides: layer.strides, padding: layer.padding, name }));
  if (layer instanceof GlobalAveragePooling1D) return globalPoolingTwin(tf.layers.globalAveragePooling1d({ name }), layer, 1);
  if (layer instanceof GlobalMaxPooling1D) return globalPoolingTwin(tf.layers.globalMaxPooling1d({ name }), layer, 1);
  if (layer instanceof ZeroPadding1D) return chain(new TfjsZeroPadding1D(layer.padding, { name }));
  if (layer instanceof Cropping2D) return chain(tf.layers.cropping2D({ cropping: layer.cropping.map((p) => [...p]) as [[number, number], [number, number]], dataFormat: layer.dataFormat, name }));
  if (layer instanceof Average) return chain(tf.layers.average({ name }));
  if (layer instanceof Maximum) return chain(tf.layers.maximum({ name }));
  if (layer instanceof Minimum) return chain(tf.layers.minimum({ name }));
  if (layer instanceof BatchNormalization)
    return chain(tfjsBatchNormalization({ axis: layer.axis, momentum: layer.momentum, epsilon: layer.epsilon, center: layer.center, scale: layer.scale, name }));
  if (layer instanceof SimpleRNN || layer instanceof GRU || layer instanceof LSTM) return chain(recurrentTwin(layer));
  if (layer instanceof Embedding) {
    const steps = layer.inputShapes![0]!.slice(1) as number[];
    return chain(tf.layers.embedding({ inputDim: layer.inputDim, outputDim: layer.outputDim, maskZero: layer.maskZero, inputLength: steps.length === 1 ? steps[0]! : steps, name }));
  }
  if (layer instanceof RepeatVector) return chain(tf.layers.repeatVector({ n: layer.n, name }));
  if (layer instanceof Masking) return chain(tf.layers.masking({ maskValue: layer.maskValue, name }));
  if (layer instanceof TimeDistributed) return chain(tf.layers.timeDistributed({ layer: singleTfLayer(layer.layer), name }));
  if (layer instanceof LayerNormalization) return chain(tf.layers.layerNormalization({ axis: layer.axis, epsilon: layer.epsilon, center: layer.center, scale: layer.scale, name }));
  if (layer instanceof Bidirectional)
    return chain(
      tf.layers.bidirectional({
        layer: recurrentTwin(layer.forward as SimpleRNN | GRU | LSTM, layer.name.length + '/forward_'.length) as tf.RNN,
        // tfjs' types leave null out, but it takes null as Keras does: the two outputs apart.
        mergeMode: layer.mergeMode as 'concat',
        name,
      }),
    );
  throw new Error(`tfjs twin: no mapping for ${layer.className}`);
}

/** The one tfjs layer a wrapper takes: Dense with its activation inside (tfjs-layers' strings), or a layer whose twin is one layer. */
function singleTfLayer(layer: Layer): tf.layers.Layer {
  if (layer instanceof Dense && layer.activation !== 'leakyRelu') return tf.layers.dense({ units: layer.units, useBias: layer.useBias, activation: layer.activation as never, name: layer.name });
  const twin = twinLayer(layer);
  if (twin.tfLayers.length !== 1) throw new Error(`tfjs twin: ${layer.className} is more than one tfjs layer`);
  return twin.tfLayers[0]!;
}

/** tfjs-layers' SimpleRNN, GRU (reset before the matmul: its only form) and LSTM with nnc's arguments. */
function recurrentTwin(layer: SimpleRNN | GRU | LSTM, prefix = 0): tf.layers.Layer {
  // A Bidirectional's forward copy is named `<wrapper>/forward_<layer>`; tfjs names its copies itself.
  const args = { units: layer.units, activation: layer.activation as never, useBias: layer.useBias, returnSequences: layer.returnSequences, returnState: layer.returnState, goBackwards: layer.goBackwards, dropout: layer.dropout, recurrentDropout: layer.recurrentDropout, name: layer.name.slice(prefix) };
  if (layer instanceof SimpleRNN) return tf.layers.simpleRNN(args);
  const gated = { ...args, recurrentActivation: layer.recurrentActivation as never };
  if (layer instanceof LSTM) return tf.layers.lstm({ ...gated, unitForgetBias: layer.unitForgetBias });
  return layer.resetAfter ? new TfjsGruResetAfter(gated) : tf.layers.gru(gated);
}

/** Builds the tfjs model and copies nnc's weights into it. Dispose it with `.dispose()`. */
export function buildTfjsTwin(model: LayersModel): tf.LayersModel {
  const values = new Map<SymbolicTensor, tf.SymbolicTensor>();
  const inputs = model.inputs.map((t) => {
    const layer = t.layer as InputLayer;
    const x = tf.input({ batchShape: [...layer.batchInputShape!], name: layer.name, dtype: layer.dtype });
    values.set(t, x);
    return x;
  });
  const twins = new Map<Layer, ReturnType<typeof twinLayer>>();
  for (const call of model.calls) {
    let twin = twins.get(call.layer);
    if (!twin) twins.set(call.layer, (twin = twinLayer(call.layer)));
    const outputs = twin.apply(call.inputs.map((t) => values.get(t)!));
    (Array.isArray(outputs) ? outputs : [outputs]).forEach((y, k) => values.set(call.outputs[k]!, y));
  }
  const tfModel = tf.model({ inputs, outputs: model.outputs.map((t) => values.get(t)!) });
  for (const [layer, twin] of twins) {
    if (layer.weights.length === 0) continue;
    twin.tfLayers[0]!.setWeights(layer.weights.map((w) => tf.tensor(w.data, [...w.shape])));
  }
  return tfModel;
}

/**
 * Runs the tfjs twin on flat float32 inputs (keyed by nnc input name) for `batch` rows and returns
 * flat outputs keyed by nnc output name. A sequence of any length (null steps) gets `steps` steps.
 */
export async function tfjsPredict(
  model: LayersModel,
  inputs: Record<string, Float32Array | Int32Array>,
  batch: number,
  steps?: number,
): Promise<Record<string, Float32Array>> {
  await tfjsReady();
  const twin = buildTfjsTwin(model);
  try {
    const xs = model.inputs.map((t) => tf.tensor(inputs[t.layer.name]!, [batch, ...t.shape.slice(1).map((d) => d ?? steps!)], (t.layer as InputLayer).dtype));
    const ys = twin.predict(xs.length === 1 ? xs[0]! : xs, { batchSize: Math.max(batch, 1) });
    const list = Array.isArray(ys) ? ys : [ys];
    const out: Record<string, Float32Array> = {};
    const names = model.outputNames;
    for (const [i, y] of list.entries()) out[names[i]!] = (await y.data()) as Float32Array;
    tf.dispose([...xs, ...list]);
    return out;
  } finally {
    twin.dispose();
  }
}
