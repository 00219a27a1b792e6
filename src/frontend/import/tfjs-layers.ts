import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { NncError, NncErrorList } from '../../errors.js';
import { hasOwnKey } from '../../own-keys.js';
import { InputLayer } from '../layers/input-layer.js';
import { Activation, Add, Concatenate, Dense, Dropout, Flatten, LeakyReLU, Multiply, Reshape, Subtract } from '../layers/index.js';
import type { Layer, SymbolicTensor } from '../layer.js';
import { LayersModel } from '../model.js';
import { Sequential } from '../sequential.js';
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

type LayerFactory = (config: Record<string, unknown>, name: string) => Layer;

const num = (x: unknown) => (typeof x === 'number' ? x : undefined);

/** Keras class names nnc understands, and how to make each from its JSON config. */
const LAYER_FACTORIES: Record<string, LayerFactory> = {
  Dense: (c, name) =>
    new Dense({ name, units: Number(c.units), activation: String(c.activation ?? 'linear'), useBias: c.use_bias !== false, ...shapeArgs(c) }),
  Flatten: (c, name) => new Flatten({ name, ...shapeArgs(c) }),
  Reshape: (c, name) => new Reshape({ name, targetShape: c.target_shape as number[], ...shapeArgs(c) }),
  Activation: (c, name) => new Activation({ name, activation: String(c.activation), ...shapeArgs(c) }),
  Dropout: (c, name) => new Dropout({ name, rate: Number(c.rate), ...shapeArgs(c) }),
  LeakyReLU: (c, name) => new LeakyReLU({ name, ...(num(c.alpha) !== undefined ? { alpha: num(c.alpha)! } : {}), ...shapeArgs(c) }),
  Add: (_c, name) => new Add({ name }),
  Subtract: (_c, name) => new Subtract({ name }),
  Multiply: (_c, name) => new Multiply({ name }),
  Concatenate: (c, name) => new Concatenate({ name, ...(num(c.axis) !== undefined ? { axis: num(c.axis)! } : {}) }),
};

function shapeArgs(c: Record<string, unknown>): { batchInputShape?: (number | null)[] } {
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
  const topology = json.modelTopology as ModelJson['modelTopology'] & { model_config?: unknown };
  const root = (topology && 'model_config' in topology && topology.model_config ? topology.model_config : topology) as
    | { class_name?: string; config?: unknown }
    | undefined;
  if (!root?.class_name)
    throw new NncError('NNC6002', `${path} has no modelTopology with a class_name`, {
      location: { file: path },
      hint: 'Expected a tfjs Layers model.json (tfjs model.save or tensorflowjs_converter --output_format tfjs_layers_model). For a tfjs graph model, use the graph importer.',
    });
  const config = (Array.isArray(root.config) ? { layers: root.config } : (root.config ?? {})) as {
    name?: string;
    layers?: LayerJson[];
    input_layers?: [string, number, number][];
    output_layers?: [string, number, number][];
  };
  const layerJsons = config.layers ?? [];
  checkSupported(layerJsons, path);
  const model =
    root.class_name === 'Sequential' ? buildSequential(config.name, layerJsons) : buildFunctional(config.name, layerJsons, config, path);
  loadWeights(model, json, dirname(file), path);
  return model;
}

function checkSupported(layers: LayerJson[], path: string): void {
  const problems = layers
    .filter((l) => l.class_name !== 'InputLayer' && !hasOwnKey(LAYER_FACTORIES, l.class_name))
    .map((l) => new NncError('NNC6001', `${l.class_name}`, { location: { file: path, layer: layerName(l) } }));
  if (problems.length > 0)
    throw new NncErrorList('NNC6001', problems, {
      location: { file: path },
      hint: `Supported layers: InputLayer, ${Object.keys(LAYER_FACTORIES).join(', ')}.`,
    });
}

function layerName(l: LayerJson): string {
  return String(l.name ?? l.config.name ?? '?');
}

function buildSequential(name: string | undefined, layers: LayerJson[]): LayersModel {
  const seq = new Sequential(name ? { name } : {});
  for (const l of layers) {
    if (l.class_name === 'InputLayer') {
      seq.add(new InputLayer({ batchShape: l.config.batch_input_shape as (number | null)[], name: layerName(l) }));
      continue;
    }
    seq.add(LAYER_FACTORIES[l.class_name]!(l.config, layerName(l)));
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
  const outputs = new Map<string, SymbolicTensor[]>(); // layer name -> output per call
  for (const l of layers) {
    const n = layerName(l);
    if (l.class_name === 'InputLayer') {
      const input = new InputLayer({ batchShape: l.config.batch_input_shape as (number | null)[], name: n });
      objects.set(n, input);
      outputs.set(n, [input.output]);
    } else objects.set(n, LAYER_FACTORIES[l.class_name]!(l.config, n));
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
      const ins = node.map(([src, nodeIndex]) => outputs.get(src)?.[nodeIndex]);
      if (ins.some((t) => t === undefined)) continue;
      const n = layerName(layer);
      const obj = objects.get(n)!;
      const out = obj.apply(obj.arity === 1 ? ins[0]! : (ins as SymbolicTensor[]));
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
    (refs ?? []).map(([n, nodeIndex]) => {
      const t = outputs.get(n)?.[nodeIndex];
      if (!t) throw new NncError('NNC6002', `${what} '${n}' is not a layer of the model`, { location: { file: path } });
      return t;
    });
  return new LayersModel({ inputs: pick(config.input_layers, 'input'), outputs: pick(config.output_layers, 'output'), ...(name ? { name } : {}) });
}

/** A dependency cycle among layers that could not be applied, as a path `a -> b -> a`. */
function findCycle(stuck: LayerJson[]): string[] {
  const deps = new Map(stuck.map((l) => [layerName(l), (l.inbound_nodes ?? []).flat().map(([src]) => src)]));
  const visiting: string[] = [];
  const done = new Set<string>();
  const visit = (n: string): string[] | undefined => {
    const at = visiting.indexOf(n);
    if (at >= 0) return [...visiting.slice(at), n];
    if (done.has(n) || !deps.has(n)) return undefined;
    visiting.push(n);
    for (const d of deps.get(n)!) {
      const c = visit(d);
      if (c) return c;
    }
    visiting.pop();
    done.add(n);
    return undefined;
  };
  for (const n of deps.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return [...deps.keys()];
}

/** Assigns the manifest's weights to the layers by name, checking sizes. */
function loadWeights(model: LayersModel, json: ModelJson, dir: string, path: string): void {
  const byName = readWeightsManifest(json.weightsManifest, dir, path);
  for (const layer of model.layers)
    for (const w of layer.weights) {
      const t = byName.get(w.name);
      if (!t) throw new NncError('NNC6002', `no weights for '${w.name}' in the manifest`, { location: { file: path, layer: layer.name } });
      if (t.data.length !== w.data.length)
        throw new NncError('NNC6002', `weight '${w.name}' has ${t.data.length} values, the layer needs ${w.data.length}`, { location: { file: path, layer: layer.name } });
      w.data = t.data;
    }
}
