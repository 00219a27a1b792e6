/**
 * Hand-written tfjs graph models (model.json + weights.bin laid out as tensorflowjs_converter
 * writes them) and tfjs-converter running the same files: the oracle for the graph importer.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import type { Random } from '../../src/frontend/random.js';

/** A TensorFlow GraphDef node as tfjs graph models store it. */
export const tfNode = (name: string, op: string, input: string[] = [], attr: Record<string, unknown> = {}) => ({ name, op, input, attr });
export const constNode = (name: string, type = 'DT_FLOAT') => tfNode(name, 'Const', [], { dtype: { type } });
export const b64 = (s: string) => Buffer.from(s).toString('base64');
/** AttrValue forms. */
export const ints = (...v: number[]) => ({ list: { i: v.map(String) } });
export const str = (s: string) => ({ s: b64(s) });
export const strs = (...v: string[]) => ({ list: { s: v.map(b64) } });
export const placeholder = (name: string, dims: number[], type = 'DT_FLOAT') => tfNode(name, 'Placeholder', [], { dtype: { type }, shape: { shape: { dim: [-1, ...dims].map((d) => ({ size: String(d) })) } } });

export interface Weight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: number[];
}
export const floatWeight = (rng: Random, name: string, shape: number[], scale = 1): Weight => ({
  name,
  shape,
  dtype: 'float32',
  values: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-scale, scale)),
});
export const intWeight = (name: string, shape: number[], values: number[]): Weight => ({ name, shape, dtype: 'int32', values });

export interface WrittenGraphModel {
  path: string;
  json: { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  bin: ArrayBuffer;
}

/** Writes model.json + weights.bin the way tensorflowjs_converter lays out a graph model. */
export function writeGraphModel(nodes: unknown[], weights: Weight[]): WrittenGraphModel {
  const dir = mkdtempSync(join(tmpdir(), 'nnc-graph-'));
  const parts = weights.map((w) => (w.dtype === 'float32' ? new Uint8Array(Float32Array.from(w.values).buffer) : new Uint8Array(Int32Array.from(w.values).buffer)));
  const bin = Buffer.concat(parts);
  const json = {
    format: 'graph-model',
    generatedBy: 'hand-written test model',
    convertedBy: 'TensorFlow.js Converter v4',
    modelTopology: { node: nodes, library: {}, versions: {} },
    weightsManifest: [{ paths: ['weights.bin'], weights: weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })) }],
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'weights.bin'), bin);
  return { path: join(dir, 'model.json'), json, bin: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) };
}

/** tfjs-converter's GraphModel over the same model.json and weights. */
export function tfjsConverterModel(m: WrittenGraphModel): Promise<GraphModel> {
  return loadGraphModel(tf.io.fromMemory({ modelTopology: m.json.modelTopology, weightSpecs: m.json.weightsManifest[0]!.weights, weightData: m.bin }));
}

/** tfjs-converter's outputs `names` for `inputs`, as flat arrays by name. */
export async function tfConverterOutputs(m: WrittenGraphModel, inputs: Record<string, tf.Tensor>, names: string[]): Promise<Record<string, Float32Array>> {
  const model = await tfjsConverterModel(m);
  const outs = model.execute(inputs, names);
  const list = Array.isArray(outs) ? outs : [outs];
  const result: Record<string, Float32Array> = {};
  for (const [i, t] of list.entries()) result[names[i]!] = (await t.data()) as Float32Array;
  tf.dispose([...list, ...Object.values(inputs)]);
  return result;
}

/**
 * An MLP as tensorflowjs_converter writes a Keras Flatten + Dense(relu) + Dense(softmax) on
 * [3, 4] inputs: Reshape, _FusedMatMul with BiasAdd + Relu, MatMul, BiasAdd, Softmax.
 */
export function writeConvertedMlp(rng: Random): WrittenGraphModel {
  return writeGraphModel(
    [
      placeholder('x', [3, 4]),
      constNode('flat_shape', 'DT_INT32'),
      constNode('w1'),
      constNode('b1'),
      constNode('w2'),
      constNode('b2'),
      tfNode('flat', 'Reshape', ['x', 'flat_shape']),
      tfNode('hidden', '_FusedMatMul', ['flat', 'w1', 'b1'], { fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu')] } }, num_args: { i: '1' }, transpose_a: { b: false }, transpose_b: { b: false } }),
      tfNode('logits0', 'MatMul', ['hidden', 'w2'], { transpose_a: { b: false }, transpose_b: { b: false } }),
      tfNode('logits', 'BiasAdd', ['logits0', 'b2']),
      tfNode('probs', 'Softmax', ['logits']),
    ],
    [intWeight('flat_shape', [2], [-1, 12]), floatWeight(rng, 'w1', [12, 16]), floatWeight(rng, 'b1', [16]), floatWeight(rng, 'w2', [16, 5]), floatWeight(rng, 'b2', [5])],
  );
}
