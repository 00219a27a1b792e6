import onnxProto from 'onnx-proto';
import { onnxOpTypes } from '../src/frontend/import/onnx.js';
import { mutateBytes } from './byte-mutators.js';
import type { Rng } from './prng.js';

/**
 * Structure-aware mutations of an ONNX model: the file is decoded to its ModelProto, one part of
 * the graph is changed (an op type from the importer's table or a bogus one, an attribute, a
 * dim, a value name, an initializer's dims, type or data, the opset imports) and it is encoded
 * again, so the mutations reach the importer past the protobuf decoder.
 */
const { onnx } = onnxProto;
type Attr = onnxProto.onnx.IAttributeProto;
type Dim = { dimValue?: number | null; dimParam?: string | null };
interface ValueInfo {
  type?: { tensorType?: { elemType?: number | null; shape?: { dim: Dim[] } | null } | null } | null;
}
interface Init {
  name?: string | null;
  dims: number[];
  dataType?: number | null;
  floatData: number[];
  int64Data: number[];
  rawData?: Uint8Array | null;
}
interface NodeP {
  opType?: string | null;
  input: string[];
  output: string[];
  attribute: Attr[];
}
/** The decoded ModelProto with every repeated field a plain array of its own (protobufjs shares one frozen empty array). */
interface Model {
  irVersion?: unknown;
  opsetImport: { domain?: string | null; version?: unknown }[];
  graph: { node: NodeP[]; input: (ValueInfo & { name?: string | null })[]; output: ValueInfo[]; initializer: Init[] };
}

const own = <T>(xs: readonly T[] | null | undefined): T[] => [...(xs ?? [])];

function decode(bytes: Uint8Array): Model {
  const m = onnx.ModelProto.decode(bytes) as unknown as Record<string, any>;
  m.opsetImport = own(m.opsetImport);
  const g = (m.graph ??= onnx.GraphProto.create());
  for (const k of ['node', 'input', 'output', 'initializer']) g[k] = own(g[k]);
  for (const n of g.node) for (const k of ['input', 'output', 'attribute']) n[k] = own(n[k]);
  for (const t of g.initializer) for (const k of ['dims', 'floatData', 'int64Data']) t[k] = own(t[k]).map(Number);
  for (const v of [...g.input, ...g.output]) if (v.type?.tensorType?.shape) v.type.tensorType.shape.dim = own(v.type.tensorType.shape.dim);
  return m as Model;
}

const BOGUS_OPS = ['Conv', 'LSTM', 'If', '', 'matmul', '__proto__', 'constructor', 'Loop'];
const EDGE_INTS = [-1, 0, 1, 2, 3, -2, 7, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 40, 1e6];
const EDGE_FLOATS = [0, -1, 0.5, 1e30, -1e30, Number.NaN, Number.POSITIVE_INFINITY];
const ATTR_NAMES = ['axis', 'alpha', 'beta', 'transA', 'transB', 'split', 'num_outputs', 'approximate', 'to', 'perm', 'allowzero', 'ratio', 'seed', 'bogus', '__proto__'];
const T = onnx.AttributeProto.AttributeType;
const DT = onnx.TensorProto.DataType;
const DATA_TYPES = [DT.FLOAT, DT.INT32, DT.INT64, DT.BOOL, DT.FLOAT16, DT.DOUBLE, DT.STRING, DT.UNDEFINED, 99];

const valueNames = (m: Model): string[] => {
  const g = m.graph;
  return [...g.node.flatMap((n) => [...n.input, ...n.output]), ...g.input.map((v) => v.name ?? ''), ...g.initializer.map((t) => t.name ?? ''), '', 'missing'];
};

const randomAttribute = (rng: Rng) => {
  const name = rng.pick(ATTR_NAMES);
  switch (rng.int(5)) {
    case 0:
      return onnx.AttributeProto.create({ name, type: T.INT, i: rng.pick(EDGE_INTS) });
    case 1:
      return onnx.AttributeProto.create({ name, type: T.FLOAT, f: rng.pick(EDGE_FLOATS) });
    case 2:
      return onnx.AttributeProto.create({ name, type: T.INTS, ints: [rng.pick(EDGE_INTS), rng.pick(EDGE_INTS)] });
    case 3:
      return onnx.AttributeProto.create({ name, type: T.STRING, s: Buffer.from(rng.pick(['none', 'tanh', '', 'abc'])) });
    default:
      return onnx.AttributeProto.create({ name, type: rng.pick([T.GRAPH, T.TENSOR, T.UNDEFINED, 42 as onnxProto.onnx.AttributeProto.AttributeType]) });
  }
};

const MUTATIONS: readonly ((rng: Rng, m: Model) => void)[] = [
  (rng, m) => {
    const n = m.graph.node;
    if (n.length > 0) rng.pick(n).opType = rng.chance(0.6) ? rng.pick(onnxOpTypes()) : rng.pick(BOGUS_OPS);
  },
  (rng, m) => {
    const n = m.graph.node;
    if (n.length === 0) return;
    const node = rng.pick(n);
    if (node.attribute.length > 0 && rng.chance(0.4)) node.attribute.splice(rng.int(node.attribute.length), 1);
    else node.attribute.push(randomAttribute(rng));
  },
  (rng, m) => {
    const n = m.graph.node;
    if (n.length === 0) return;
    const node = rng.pick(n);
    const list = rng.chance(0.7) ? node.input : node.output;
    const how = rng.int(3);
    if (how === 0 && list.length > 0) list[rng.int(list.length)] = rng.pick(valueNames(m));
    else if (how === 1 && list.length > 0) list.splice(rng.int(list.length), 1);
    else list.push(rng.pick(valueNames(m)));
  },
  (rng, m) => {
    const n = m.graph.node;
    if (n.length === 0) return;
    const i = rng.int(n.length);
    const how = rng.int(3);
    if (how === 0) n.splice(i, 1);
    else if (how === 1) n.splice(rng.int(n.length), 0, { ...n[i]!, input: [...n[i]!.input], output: [...n[i]!.output], attribute: [...n[i]!.attribute] });
    else [n[i], n[n.length - 1]] = [n[n.length - 1]!, n[i]!];
  },
  (rng, m) => {
    const vs = rng.chance(0.7) ? m.graph.input : m.graph.output;
    if (vs.length === 0) return;
    const v = rng.pick(vs);
    const tt = v.type?.tensorType;
    if (!tt) return;
    const how = rng.int(4);
    if (how === 0) tt.elemType = rng.pick(DATA_TYPES);
    else if (how === 1) tt.shape = null;
    else if (how === 2 && tt.shape?.dim.length) rng.pick(tt.shape.dim).dimValue = rng.pick(EDGE_INTS);
    else if (tt.shape) tt.shape.dim.push(rng.chance(0.5) ? { dimParam: 'N' } : { dimValue: rng.pick(EDGE_INTS) });
  },
  (rng, m) => {
    const inits = m.graph.initializer;
    if (inits.length === 0) return;
    const t = rng.pick(inits);
    const how = rng.int(5);
    if (how === 0) t.dims = t.dims.length > 0 && rng.chance(0.7) ? t.dims.map((d, i) => (i === 0 ? rng.pick(EDGE_INTS) : d)) : [rng.pick(EDGE_INTS)];
    else if (how === 1) t.dataType = rng.pick(DATA_TYPES);
    else if (how === 2) t.floatData = t.floatData.slice(0, rng.int(t.floatData.length + 1)).concat(rng.chance(0.5) ? [Number.NaN] : []);
    else if (how === 3) t.rawData = mutateBytes(rng, t.rawData ?? new Uint8Array());
    else t.int64Data = [rng.pick(EDGE_INTS), rng.pick(EDGE_INTS)];
  },
  (rng, m) => {
    if (rng.chance(0.3)) m.irVersion = rng.pick([0, 3, 8, 11, 12, -1]);
    else if (rng.chance(0.5)) m.opsetImport.push({ domain: rng.pick(['', 'ai.onnx', 'ai.onnx.ml', 'com.microsoft']), version: rng.pick([1, 7, 13, 25, 26]) });
    else if (m.opsetImport.length > 0) rng.pick(m.opsetImport).version = rng.pick([6, 7, 11, 13, 17, 25, 26, -1, 2 ** 40]);
  },
];

/** 1-3 structure mutations of the ModelProto in `seed` (re-encoded), or now and then bytes flipped. */
export function mutateOnnx(rng: Rng, seed: Uint8Array): Uint8Array {
  if (rng.chance(0.15)) return mutateBytes(rng, seed);
  const m = decode(seed);
  for (let i = 1 + rng.int(3); i > 0; i--) rng.pick(MUTATIONS)(rng, m);
  return onnx.ModelProto.encode(m as onnxProto.onnx.IModelProto).finish();
}
