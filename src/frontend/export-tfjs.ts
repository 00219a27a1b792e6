/**
 * Exports a model as tfjs Layers format: `model.json` (the Keras topology plus a weights
 * manifest) and one `weights.bin` of little-endian float32 values, which
 * `tf.loadLayersModel` reads. Sequential models keep their layer list; Functional models list
 * every layer with its inbound nodes, as tfjs-layers writes them (class_name 'Model').
 *
 * tfjs-layers has no 'leakyrelu' activation string: a layer using it is written with a linear
 * activation followed by a LeakyReLU layer (alpha 0.2, as nnc's activation). Its global poolings
 * have no keepdims (and would ignore the key, returning [N, C]): one with keepdims true is written
 * with keepdims false followed by a Reshape to the kept axes (`<name>_keepdims`). It has no Subtract
 * layer, no ZeroPadding1D, UpSampling1D, causal Conv1D, GRU with reset_after, Conv2DTranspose output_padding or Conv2D groups either,
 * and its DepthwiseConv2D ignores dilation_rate; such models cannot be exported (NNC4001).
 */
import { NncError } from '../errors.js';
import type { Layer, SymbolicTensor } from './layer.js';
import { GlobalPooling } from './layers/global-pooling.js';
import { InputLayer } from './layers/input-layer.js';
import { concatFloat32 } from '../ir/tensor.js';
import type { LayersModel } from './model.js';
import { trainingConfigJson } from './training-config-json.js';

export interface TfjsArtifacts {
  /** The content of model.json. */
  readonly modelJson: Record<string, unknown>;
  /** The content of weights.bin. */
  readonly weightsBin: Uint8Array;
}

export const WEIGHTS_FILE = 'weights.bin';

type NodeRef = [string, number, number, Record<string, never>];

interface Entry {
  readonly name: string;
  readonly class_name: string;
  readonly config: Record<string, unknown>;
}

/**
 * A layer tfjs-layers reads only in part, written as two: its own entry with the config tfjs
 * reads, and the layer after it that completes what it computes (undefined: written as is).
 */
interface Split {
  readonly own: Record<string, unknown>;
  readonly after: Entry;
}

/** A new layer's config, as tfjs-layers writes one. */
const addedConfig = (name: string, config: Record<string, unknown>) => ({ name, trainable: true, dtype: 'float32', ...config });

function split(layer: Layer, config: Record<string, unknown>): Split | undefined {
  if (config.activation === 'leakyrelu') {
    const name = `${layer.name}_leaky_re_lu`;
    return { own: { ...config, activation: 'linear' }, after: { name, class_name: 'LeakyReLU', config: addedConfig(name, { alpha: 0.2 }) } };
  }
  if (layer instanceof GlobalPooling && layer.keepdims) {
    const name = `${layer.name}_keepdims`;
    return { own: { ...config, keepdims: false }, after: { name, class_name: 'Reshape', config: addedConfig(name, { target_shape: keptShape(layer) }) } };
  }
  return undefined;
}

/**
 * The Reshape target after a keepdims global pooling: its output shape less the batch, the
 * channels written out (tfjs' Reshape leaves a -1 unknown while the batch is, and a layer after it
 * could not build). Every call of a layer has the input shape of the first, whose channels are
 * known (only a sequence's steps, which are pooled, may be null).
 */
const keptShape = (layer: GlobalPooling): number[] => layer.calls[0]!.output.shape.slice(1) as number[];

/** The name of the tfjs layer that yields the layer's output (the added one where there is one). */
const outputName = (layer: Layer) => split(layer, layer.getConfig())?.after.name ?? layer.name;

/** Why tfjs-layers cannot load a layer written with this config (undefined: it can). */
const NOT_IN_TFJS: Readonly<Record<string, (config: Record<string, unknown>) => string | undefined>> = {
  Subtract: () => 'tfjs-layers has no Subtract layer',
  ZeroPadding1D: () => 'tfjs-layers has no ZeroPadding1D layer',
  UpSampling1D: () => 'tfjs-layers has no UpSampling1D layer',
  Conv1D: (config) => (config.padding === 'causal' ? "tfjs-layers does not implement Conv1D padding 'causal'" : undefined),
  // tfjs-layers' DepthwiseConv2D calls the op without its dilation rate: it would compute another function.
  GRU: (config) => (config.reset_after ? 'tfjs-layers implements GRU with reset_after false only' : undefined),
  DepthwiseConv2D: (config) => ((config.dilation_rate as number[]).some((d) => d > 1) ? "tfjs-layers' DepthwiseConv2D ignores dilation_rate" : undefined),
  // tfjs-layers would ignore the key and make the output size without it.
  Conv2DTranspose: (config) => (config.output_padding !== null ? "tfjs-layers' Conv2DTranspose has no output_padding" : undefined),
  Conv2D: (config) => (config.groups !== undefined ? "tfjs-layers' Conv2D has no groups" : undefined),
};

/** The tfjs layer(s) one nnc layer becomes; the last one yields the layer's output. */
function entries(layer: Layer): Entry[] {
  const config = layer.getConfig();
  const refusal = NOT_IN_TFJS[layer.className]?.(config);
  if (refusal)
    throw new NncError('NNC4001', `layer '${layer.name}': ${refusal}, so the model cannot be saved as tfjs Layers JSON`, {
      location: { layer: layer.name },
    });
  const parts = split(layer, config);
  if (!parts) return [{ name: layer.name, class_name: layer.className, config }];
  return [{ name: layer.name, class_name: layer.className, config: parts.own }, parts.after];
}

/** Where a tensor is read from: its call's layer (the added layer where there is one), call and position. */
const ref = (t: SymbolicTensor): NodeRef => [outputName(t.layer), t.call.index, t.index, {}];

function sequentialTopology(model: LayersModel): Record<string, unknown> {
  // Keras and tfjs rebuild the input layer from the first layer's batch_input_shape.
  const layers = model.layers.filter((l) => !(l instanceof InputLayer));
  const first = layers[0];
  const input = model.inputs[0]!;
  return {
    class_name: 'Sequential',
    config: {
      name: model.name,
      layers: layers.flatMap((l) =>
        entries(l).map((e, i) => {
          const config = { ...e.config };
          if (l === first && i === 0 && !('batch_input_shape' in config)) config.batch_input_shape = input.shape;
          return { class_name: e.class_name, config };
        }),
      ),
    },
  };
}

function functionalTopology(model: LayersModel): Record<string, unknown> {
  return {
    class_name: 'Model',
    config: {
      name: model.name,
      layers: model.layers.flatMap((l) => {
        if (l instanceof InputLayer) return [{ name: l.name, class_name: l.className, config: l.getConfig(), inbound_nodes: [] }];
        const [own, after] = entries(l);
        const layerEntries = [{ ...own!, inbound_nodes: l.calls.map((c) => c.inputs.map(ref)) }];
        if (after) layerEntries.push({ ...after, inbound_nodes: l.calls.map((c) => [[l.name, c.index, 0, {}] as NodeRef]) });
        return layerEntries;
      }),
      input_layers: model.inputs.map((t) => ref(t).slice(0, 3)),
      output_layers: model.outputs.map((t) => ref(t).slice(0, 3)),
    },
  };
}

/** `trainingConfig` for model.json, when the model is compiled and tfjs can read the config back. */
function trainingConfigEntry(model: LayersModel): { trainingConfig?: Record<string, unknown> } {
  const config = model.trainingConfig && trainingConfigJson(model.trainingConfig);
  return config ? { trainingConfig: config } : {};
}

export function toTfjsArtifacts(model: LayersModel): TfjsArtifacts {
  const weights = model.layers.flatMap((l) => l.weights);
  const data = concatFloat32(weights.map((w) => w.data));
  const modelTopology = model.kind === 'sequential' ? sequentialTopology(model) : functionalTopology(model);
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: 'nnc',
      convertedBy: null,
      modelTopology: { ...modelTopology, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' },
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) }],
      ...trainingConfigEntry(model),
    },
    // Float32Array is little-endian on every platform Node and browsers run on.
    weightsBin: new Uint8Array(data.buffer),
  };
}
