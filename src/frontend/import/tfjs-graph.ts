import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { NncError, NncErrorList } from '../../errors.js';
import { hasOwnKey } from '../../own-keys.js';
import { GraphBuilder } from '../../ir/builder.js';
import type { Attrs, Graph, Node } from '../../ir/graph.js';
import type { Dim } from '../../ir/types.js';
import { irSafeName, readWeightsManifest, type WeightsManifest } from './shared.js';

/**
 * Imports a tfjs graph model (`model.json` with a TensorFlow GraphDef topology, as written by
 * tensorflowjs_converter for SavedModels / Keras models) into nnc IR. Each supported TensorFlow op
 * is one entry in TF_OPS; unsupported ops are all reported at once, by node name. Placeholders are
 * the inputs (first axis = batch); outputs are the signature's, or else the nodes nothing reads.
 */
interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}
interface TfAttr {
  b?: boolean;
  f?: number;
  i?: string | number;
  type?: string;
  shape?: { dim?: { size?: string | number }[] };
  list?: { s?: string[] };
}
interface GraphModelJson {
  format?: string;
  modelTopology?: { node?: TfNode[] };
  weightsManifest?: WeightsManifest;
  signature?: { outputs?: Record<string, { name: string }> };
}

export function isTfjsGraphModel(json: unknown): boolean {
  const j = json as GraphModelJson;
  return j?.format === 'graph-model' || Array.isArray(j?.modelTopology?.node);
}

export function loadTfjsGraphModel(path: string): Graph {
  const json = JSON.parse(readFileSync(path, 'utf8')) as GraphModelJson;
  const nodes = json.modelTopology?.node ?? [];
  const unsupported = nodes
    .filter((n) => !hasOwnKey(TF_OPS, n.op) || (n.op === '_FusedMatMul' && fusedOps(n).some((f) => !hasOwnKey(FUSED_EPILOGUE, f))))
    .map((n) => new NncError('NNC6001', `TensorFlow op ${n.op}${n.op === '_FusedMatMul' ? ` [${fusedOps(n).join(', ')}]` : ''}`, { location: { file: path, node: n.name } }));
  if (unsupported.length > 0)
    throw new NncErrorList('NNC6001', unsupported, { location: { file: path }, hint: `Supported TensorFlow ops: ${Object.keys(TF_OPS).join(', ')}.` });

  const consts = readWeightsManifest(json.weightsManifest, dirname(resolve(path)), path);
  const b = new GraphBuilder();
  const values = new Map<string, Node>();
  const ctx: TfContext = {
    b,
    path,
    consts,
    operand(ref) {
      const name = ref.replace(/^\^/, '').replace(/:0$/, '');
      const v = values.get(name);
      if (v) return v;
      const c = consts.get(name);
      if (!c) throw new NncError('NNC6002', `node reads '${ref}', which is not defined before it`, { location: { file: path } });
      const w = b.weight(irSafeName(name), { dtype: 'f32', shape: c.shape }, c.data);
      values.set(name, w);
      return w;
    },
  };
  for (const n of nodes) {
    if (n.op === 'Const' || n.op === 'NoOp') continue;
    b.currentLayer = n.name;
    values.set(n.name, TF_OPS[n.op]!(n, ctx));
  }
  b.currentLayer = undefined;
  for (const name of outputNames(json, nodes)) b.output(name, ctx.operand(name));
  return b.build();
}

interface TfContext {
  readonly b: GraphBuilder;
  readonly path: string;
  readonly consts: ReadonlyMap<string, { shape: number[]; data: Float32Array }>;
  operand(ref: string): Node;
}

type TfOp = (n: TfNode, ctx: TfContext) => Node;

const dataInputs = (n: TfNode) => (n.input ?? []).filter((i) => !i.startsWith('^'));

const unary =
  (op: string, attrs: (n: TfNode) => Attrs = () => ({})): TfOp =>
  (n, { b, operand }) =>
    b.op(op, [operand(dataInputs(n)[0]!)], attrs(n));
const binary =
  (op: string): TfOp =>
  (n, { b, operand }) =>
    b.op(op, dataInputs(n).slice(0, 2).map(operand));

function fail(n: TfNode, ctx: TfContext, detail: string): never {
  throw new NncError('NNC6001', `${n.op}: ${detail}`, { location: { file: ctx.path, node: n.name } });
}

function constValues(n: TfNode, ctx: TfContext, ref: string): number[] {
  const c = ctx.consts.get(ref.replace(/:0$/, '')) ?? fail(n, ctx, `operand '${ref}' must be a constant`);
  return Array.from(c.data);
}

const matmul: TfOp = (n, ctx) => {
  if (n.attr?.transpose_a?.b || n.attr?.transpose_b?.b) fail(n, ctx, 'transposed operands are not supported');
  const [x, w] = dataInputs(n);
  return ctx.b.op('matmul', [ctx.operand(x!), ctx.operand(w!)]);
};

/** Epilogues grappler fuses into _FusedMatMul, as the IR op each becomes. */
const FUSED_EPILOGUE: Record<string, string | null> = { BiasAdd: null, Relu: 'relu', Elu: 'elu', Sigmoid: 'sigmoid', Tanh: 'tanh', LeakyRelu: 'leaky_relu' };

function fusedOps(n: TfNode): string[] {
  return (n.attr?.fused_ops?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
}

const fusedMatmul: TfOp = (n, ctx) => {
  const [x, w, bias] = dataInputs(n);
  let y = matmul({ ...n, input: [x!, w!] }, ctx);
  for (const f of fusedOps(n)) {
    if (f === 'BiasAdd') y = ctx.b.op('add', [y, ctx.operand(bias!)]);
    else y = ctx.b.op(FUSED_EPILOGUE[f]!, [y], f === 'LeakyRelu' ? { alpha: n.attr?.leakyrelu_alpha?.f ?? 0.2 } : {});
  }
  return y;
};

const reshape: TfOp = (n, ctx) => {
  const [x, shape] = dataInputs(n);
  const dims = constValues(n, ctx, shape!);
  if (dims[0] !== -1 && dims[0] !== ctx.operand(x!).type.shape[0]) fail(n, ctx, `the first axis must stay the batch axis (-1), got ${dims[0]}`);
  return ctx.b.op('reshape', [ctx.operand(x!)], { shape: dims.slice(1) });
};

const concat: TfOp = (n, ctx) => {
  const ins = dataInputs(n);
  const [axis] = constValues(n, ctx, ins[ins.length - 1]!);
  const operands = ins.slice(0, -1).map(ctx.operand);
  const rank = operands[0]!.type.shape.length;
  return ctx.b.op('concat', operands, { axis: axis! < 0 ? axis! + rank : axis! });
};

const placeholder: TfOp = (n, { b }) => {
  const dims = n.attr?.shape?.shape?.dim ?? [];
  const shape: Dim[] = dims.map((d, i) => (i === 0 ? null : Number(d.size)));
  return b.input(irSafeName(n.name), { dtype: 'f32', shape });
};

/** Every supported TensorFlow op and the IR it becomes. */
const TF_OPS: Record<string, TfOp> = {
  Placeholder: placeholder,
  Const: () => {
    throw new Error('constants are read from the weights manifest');
  },
  NoOp: () => {
    throw new Error('NoOp carries no value');
  },
  Identity: unary('identity'),
  MatMul: matmul,
  _FusedMatMul: fusedMatmul,
  BiasAdd: binary('add'),
  Add: binary('add'),
  AddV2: binary('add'),
  Sub: binary('sub'),
  Mul: binary('mul'),
  RealDiv: binary('div'),
  Relu: unary('relu'),
  Sigmoid: unary('sigmoid'),
  Tanh: unary('tanh'),
  Elu: unary('elu'),
  Selu: unary('selu'),
  Softplus: unary('softplus'),
  LeakyRelu: unary('leaky_relu', (n) => ({ alpha: n.attr?.alpha?.f ?? 0.2 })),
  Softmax: unary('softmax', () => ({ axis: -1 })),
  Reshape: reshape,
  ConcatV2: concat,
};

function outputNames(json: GraphModelJson, nodes: TfNode[]): string[] {
  const fromSignature = Object.values(json.signature?.outputs ?? {}).map((o) => o.name.replace(/:0$/, ''));
  if (fromSignature.length > 0) return fromSignature;
  const read = new Set(nodes.flatMap((n) => (n.input ?? []).map((i) => i.replace(/^\^/, '').replace(/:\d+$/, ''))));
  return nodes.filter((n) => !read.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp').map((n) => n.name);
}
