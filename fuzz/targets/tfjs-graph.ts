import { join } from 'node:path';
import { loadTfjsGraphModel, tfOpNames } from '../../src/frontend/import/tfjs-graph.js';
import { mutateBytes } from '../byte-mutators.js';
import type { FuzzTarget } from '../harness.js';
import { mutateJson, type Json } from '../json-mutators.js';
import type { Rng } from '../prng.js';
import { lowerAndCheck, scratchDir } from './shared.js';

const tfNode = (name: string, op: string, input: string[] = [], attr: Record<string, Json> = {}): Json => ({ name, op, input, attr });
const constNode = (name: string, type = 'DT_FLOAT') => tfNode(name, 'Const', [], { dtype: { type } });
const b64 = (s: string) => Buffer.from(s).toString('base64');
const placeholder = (name: string, dims: number[], type = 'DT_FLOAT') => tfNode(name, 'Placeholder', [], { dtype: { type }, shape: { shape: { dim: dims.map((d) => ({ size: String(d) })) } } });

interface Weight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values?: number[];
}

/** A hand-written graph model as tensorflowjs_converter lays it out: model.json + weights.bin. */
function graphModel(nodes: Json[], weights: Weight[], outputs?: string[]): { json: Json; bin: Uint8Array } {
  const parts = weights.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const values = w.values ?? Array.from({ length: n }, (_, i) => Math.sin(i + 1));
    return new Uint8Array((w.dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values)).buffer);
  });
  const json: Json = {
    format: 'graph-model',
    modelTopology: { node: nodes, library: {}, versions: {} },
    weightsManifest: [{ paths: ['weights.bin'], weights: weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })) }],
    ...(outputs ? { signature: { outputs: Object.fromEntries(outputs.map((o) => [o, { name: `${o}:0` }])) } } : {}),
  };
  return { json, bin: new Uint8Array(Buffer.concat(parts)) };
}

function seeds(): { json: Json; bin: Uint8Array }[] {
  const mlp = graphModel(
    [
      placeholder('x', [-1, 3, 4]),
      constNode('flat_shape', 'DT_INT32'),
      constNode('w1'),
      constNode('b1'),
      constNode('w2'),
      constNode('b2'),
      tfNode('flat', 'Reshape', ['x', 'flat_shape']),
      tfNode('hidden', '_FusedMatMul', ['flat', 'w1', 'b1'], { fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu')] } }, num_args: { i: '1' }, transpose_a: { b: false }, transpose_b: { b: false } }),
      tfNode('logits', 'MatMul', ['hidden', 'w2'], { transpose_b: { b: true } }),
      tfNode('biased', 'BiasAdd', ['logits', 'b2'], { data_format: { s: b64('NHWC') } }),
      tfNode('probs', 'Softmax', ['biased']),
    ],
    [
      { name: 'flat_shape', shape: [2], dtype: 'int32', values: [-1, 12] },
      { name: 'w1', shape: [12, 5], dtype: 'float32' },
      { name: 'b1', shape: [5], dtype: 'float32' },
      { name: 'w2', shape: [2, 5], dtype: 'float32' },
      { name: 'b2', shape: [2], dtype: 'float32' },
    ],
    ['probs'],
  );
  const branches = graphModel(
    [
      placeholder('a', [-1, 4]),
      placeholder('i', [-1, 4], 'DT_INT32'),
      constNode('axis', 'DT_INT32'),
      constNode('k'),
      tfNode('fi', 'Cast', ['i'], { SrcT: { type: 'DT_INT32' }, DstT: { type: 'DT_FLOAT' } }),
      tfNode('s', 'AddV2', ['a', 'fi'], { T: { type: 'DT_FLOAT' } }),
      tfNode('m', 'Mul', ['s', 'k']),
      tfNode('l', 'LeakyRelu', ['m'], { alpha: { f: 0.1 } }),
      tfNode('t', 'Tanh', ['s']),
      tfNode('cat', 'ConcatV2', ['l', 't', 'axis'], { N: { i: '2' } }),
      tfNode('cmp', 'Greater', ['cat', 'cat']),
      tfNode('out', 'Sigmoid', ['cat']),
    ],
    [
      { name: 'axis', shape: [], dtype: 'int32', values: [-1] },
      { name: 'k', shape: [4], dtype: 'float32' },
    ],
  );
  return [mlp, branches];
}

/** Renames a node's op to another the importer knows, or a bogus one. */
function mutateOp(rng: Rng, json: Json): Json {
  const nodes = (json as { modelTopology: { node: { op: string }[] } }).modelTopology.node;
  rng.pick(nodes).op = rng.chance(0.8) ? rng.pick(tfOpNames()) : rng.pick(['Conv2D', '', '__proto__', 'hasOwnProperty', 'Placeholder']);
  return json;
}

/** tfjs graph model.json + weights.bin: tree mutations, op renames, shard bytes. */
export const tfjsGraphTarget: FuzzTarget = {
  name: 'tfjs-graph',
  async prepare() {
    const all = seeds();
    const jsons = all.map((s) => s.json);
    const scratch = scratchDir('tfjs-graph');
    return (rng) => {
      const seed = rng.pick(all);
      const which = rng.int(10);
      let json = which < 8 ? mutateJson(rng, seed.json, jsons) : seed.json;
      if (which < 3) json = mutateOp(rng, mutateJson(rng, seed.json, jsons, 0));
      const bin = which >= 7 ? mutateBytes(rng, seed.bin) : seed.bin;
      const files = { 'model.json': JSON.stringify(json), 'weights.bin': bin };
      return {
        files,
        run() {
          scratch.write(files);
          lowerAndCheck(loadTfjsGraphModel(join(scratch.dir, 'model.json')));
        },
      };
    };
  },
};
