import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { NncError } from '../../errors.js';
import { ownEntry } from '../../own-keys.js';
import { GraphBuilder } from '../../ir/builder.js';
import type { Graph, Node } from '../../ir/graph.js';
import type { Dim } from '../../ir/types.js';
import { attrProblems, attrRefusal, anyValue, boolean, ignored, number, only, readAttrs, strings } from './attributes.js';
import { derivedWeights, ImportProblems } from './problems.js';
import { checkSchema, TFJS_GRAPH_MODEL } from './schemas.js';
import { irSafeName, readWeightsManifest, transposed, type ManifestTensor, type WeightsManifest } from './shared.js';
import { ANNOTATIONS, BATCH, FLOAT_T, NUMERIC_T, TF_DTYPES, binary, constValues, dataInputs, fusedOps, isKnownInts, knownInts, op, refName, refNode, twoOperands, unary, type KnownInts, type TfContext, type TfDtype, type TfNode, type TfAttr, type TfOp, type TfShape, type TfValue } from './tfjs-graph-common.js';
import { avgPoolOp, conv2dOp, depthwiseConv2dOp, fusedConv2dOp, fusedDepthwiseConv2dOp, maxPoolOp, padOp } from './tfjs-graph-conv.js';
import { rewriteDilatedConvolutions } from './tfjs-graph-dilated.js';
import { activation, activationNames, unsupportedEpilogue } from './tfjs-graph-epilogue.js';
import { fusedBatchNormOp, resizeBilinearOp, resizeNearestNeighborOp } from './tfjs-graph-image.js';
import { TF_MATH_OPS } from './tfjs-graph-math.js';
import { shapeOp } from './tfjs-graph-shapes.js';
import { TF_STRUCTURE_OPS } from './tfjs-graph-structure.js';

/**
 * Imports a tfjs graph model (`model.json` with a TensorFlow GraphDef topology, as written by
 * tensorflowjs_converter for SavedModels / Keras models) into nnc IR. Each supported TensorFlow op
 * is one entry in TF_OPS: the attrs it reads (or ignores) and how it becomes IR. Unsupported ops,
 * and attrs an op does not handle set to other values than their defaults, are all reported at
 * once, by node name. Placeholders are the inputs (first axis = batch); outputs are the
 * signature's, or else the nodes nothing reads.
 */
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
  const json = checkSchema(TFJS_GRAPH_MODEL, JSON.parse(readFileSync(path, 'utf8')), path, 'the graph model') as GraphModelJson;
  const problems = new ImportProblems(path, {
    missingOpsHint: () => `Supported TensorFlow ops: ${Object.keys(TF_OPS).join(', ')}, and SpaceToBatchND -> Conv2D -> BatchToSpaceND as a dilated convolution. Attrs are honoured only where named as supported.`,
    refusedHint: 'nnc honours these attrs only at the values it names; convert the model without them or file an issue naming them.',
  });
  // A manifest that cannot be read is reported after the model's own problems (likely its cause).
  let consts: ReadonlyMap<string, ManifestTensor> = new Map();
  let manifestError: unknown;
  try {
    consts = readWeightsManifest(json.weightsManifest, dirname(resolve(path)), path);
  } catch (e) {
    manifestError = e;
  }
  // Nodes are read by name: a second node of one name would write one IR value twice.
  const named = json.modelTopology?.node ?? [];
  const twice = named.map((n) => n.name).find((name, i, all) => all.indexOf(name) !== i);
  if (twice !== undefined) throw new NncError('NNC6002', `two nodes are named '${twice}'`, { location: { file: path, node: twice } });
  const dilated = rewriteDilatedConvolutions(named, consts, attrValues);
  const nodes = dilated.nodes;
  const attrs = new Map(nodes.map((n) => [n, attrValues(n)]));
  // Every problem is collected: unsupported ops, attrs their tables refuse, values refused while
  // building (those that depend on shapes or operands). The nodes reading a refused node are
  // skipped, all others still checked.
  const rejected = new Set<TfNode>();
  for (const n of nodes) {
    const why = dilated.refused.get(n);
    if (why) {
      problems.refuse(problems.at(n.name, `${n.op}: ${why}`));
      rejected.add(n);
      continue;
    }
    const def = ownEntry(TF_OPS, n.op);
    const form = def?.unsupportedForm?.(attrs.get(n)!);
    if (!def || form !== undefined) {
      problems.missingOp(problems.at(n.name, `TensorFlow op ${n.op}${form !== undefined ? ` ${form}` : ''}`));
      rejected.add(n);
      continue;
    }
    const refusals = attrProblems(def.attrs, attrs.get(n)!, n.op, 'attr').map((p) => problems.at(n.name, p));
    problems.refuse(...refusals);
    if (refusals.length > 0) rejected.add(n);
  }
  if (manifestError !== undefined) {
    if (problems.any) throw problems.report();
    throw manifestError;
  }

  const b = new GraphBuilder();
  const values = new Map<string, Node | KnownInts>();
  const materialized = new Map<string, Node>();
  let current: TfNode | undefined;
  const ctx: TfContext = {
    b,
    path,
    consts,
    dilatedFrom: dilated.patterns,
    operand(ref) {
      // A node with fewer inputs than its op reads (a hostile or truncated file).
      if (ref === undefined) throw problems.at(current?.name ?? '?', `${current?.op} has no input where it needs one (it has ${current ? dataInputs(current).length : 0})`);
      const name = refName(ref);
      const v = values.get(name);
      if (isKnownInts(v)) {
        if (v.values.includes(BATCH)) throw problems.at(current?.name ?? name, `${current?.op ?? 'a node'} reads '${ref}', a shape computation that depends on the batch size; nnc folds those only into Reshape`);
        // Made once, kept beside the known value (which Reshape, Pack, ... still read).
        let c = materialized.get(name);
        if (!c) materialized.set(name, (c = b.constant(v.values as number[], { dtype: 'i32', shape: [...v.shape] })));
        return c;
      }
      if (v) return v;
      const c = consts.get(name);
      if (!c) throw new NncError('NNC6002', `node reads '${ref}', which is not defined before it`, { location: { file: path } });
      const w = b.weight(irSafeName(name), { dtype: c.dtype, shape: c.shape }, c.data);
      values.set(name, w);
      return w;
    },
    known(ref) {
      const name = refName(ref);
      const v = values.get(name);
      if (isKnownInts(v)) return v;
      const c = consts.get(name);
      return !v && c?.dtype === 'i32' ? knownInts(c.shape, Array.from(c.data)) : undefined;
    },
    ints(n, ref) {
      if (ref === undefined) return ctx.refuseNode(n, `has no input where it needs one (it has ${dataInputs(n).length})`);
      return ctx.known(ref) ?? ctx.refuseNode(n, `operand '${ref}' must be an int32 constant (or a shape computation nnc folds)`);
    },
    derivedWeight: derivedWeights(b),
    refuse: (n, attr, value, why) => {
      throw problems.at(n.name, attrRefusal(n.op, 'attr', attr, value, why));
    },
    refuseNode: (n, detail) => {
      throw problems.at(n.name, `${n.op}: ${detail}`);
    },
  };
  const poisoned = new Set<string>();
  for (const n of nodes) {
    if (rejected.has(n) || (n.input ?? []).some((i) => poisoned.has(refNode(i)))) {
      poisoned.add(n.name);
      continue;
    }
    if (n.op === 'Const' || n.op === 'NoOp') continue;
    b.currentLayer = n.name;
    current = n;
    const def = TF_OPS[n.op]!;
    const store = (v: TfValue) => (Array.isArray(v) ? v.forEach((out, k) => values.set(k === 0 ? n.name : `${n.name}:${k}`, out)) : values.set(n.name, v));
    if (!problems.build(() => store(def.build(n, ctx, readAttrs(def.attrs, attrs.get(n)!))))) poisoned.add(n.name);
  }
  b.currentLayer = undefined;
  current = undefined;
  if (problems.any) throw problems.report();
  const outputs = outputNames(json, nodes);
  if (outputs.length === 0) throw new NncError('NNC6002', `${path} has no outputs: no signature outputs, and every node is read by another`, { location: { file: path } });
  for (const name of outputs) b.output(name, ctx.operand(name));
  return b.build();
}

const text = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');
const shapeValue = (s: TfShape) => (s.unknownRank ? 'unknown rank' : (s.dim ?? []).map((d) => Number(d.size ?? 0)));

/** A node's attrs as plain values: strings decoded, int64 as numbers, shapes as lists of sizes. */
function attrValues(n: TfNode): Map<string, unknown> {
  return new Map(Object.entries(n.attr ?? {}).map(([k, a]) => [k, attrValue(a)]));
}

function attrValue(a: TfAttr): unknown {
  if (a === null || typeof a !== 'object') return a;
  if (a.type !== undefined) return a.type;
  if (a.b !== undefined) return a.b;
  if (a.f !== undefined) return Number(a.f);
  if (a.i !== undefined) return Number(a.i);
  if (a.s !== undefined) return text(a.s);
  if (a.shape !== undefined) return shapeValue(a.shape);
  if (a.list !== undefined) {
    const l = a.list;
    return l.s?.map(text) ?? l.i?.map(Number) ?? l.f?.map(Number) ?? l.b ?? l.type ?? l.shape?.map(shapeValue) ?? [];
  }
  // An empty AttrValue is protobuf's way of writing the default.
  return Object.keys(a).length === 0 ? undefined : a;
}


const MATMUL_ATTRS = {
  ...FLOAT_T,
  transpose_a: only(false),
  transpose_b: boolean(false),
  // Hints that an operand is a gradient (for training kernels): no effect on the product.
  grad_a: ignored,
  grad_b: ignored,
} as const;

/** x · w, or x · wᵀ with w a constant (transposed once, here). A transposed x would move the batch axis. */
function product(n: TfNode, ctx: TfContext, transposeB: boolean): Node {
  const [x, w] = dataInputs(n);
  // A missing operand is refused by `operand`, naming the node.
  if (!transposeB || w === undefined) return ctx.b.op('matmul', [ctx.operand(x), ctx.operand(w)]);
  const c = ctx.consts.get(refName(w)) ?? ctx.refuse(n, 'transpose_b', true, 'needs the second operand to be a constant');
  if (c.shape.length !== 2) ctx.refuseNode(n, `the second operand must be a matrix, got shape [${c.shape.join(', ')}]`);
  if (c.dtype !== 'f32') ctx.refuseNode(n, `the second operand ('${w}') must be float32`);
  const [rows, cols] = c.shape as [number, number];
  const wt = ctx.derivedWeight(`${irSafeName(refName(w!))}/transposed`, [cols, rows], () => transposed(c.data as Float32Array, rows, cols));
  return ctx.b.op('matmul', [ctx.operand(x!), wt]);
}

/** The activations tfjs runs after a fused product's bias (tfjs-core's fused matMul). */
const MATMUL_EPILOGUES = activationNames();

const fusedMatmul = op(
  {
    ...MATMUL_ATTRS,
    fused_ops: strings([]),
    // The operands say how many fused arguments there are.
    num_args: ignored,
    // Used only by a FusedBatchNorm epilogue, which is not supported (refused above).
    epsilon: ignored,
    leakyrelu_alpha: number(0.2),
  },
  (n, ctx, a) => {
    const y = product(n, ctx, a.transpose_b);
    const [bias, act] = a.fused_ops;
    const biased = bias === undefined ? y : ctx.b.op('add', [y, ctx.operand(dataInputs(n)[2] ?? ctx.refuseNode(n, 'BiasAdd needs a bias operand'))]);
    return act === undefined ? biased : activation(ctx.b, biased, act, a.leakyrelu_alpha);
  },
  (attrs) => unsupportedEpilogue(fusedOps(attrs), MATMUL_EPILOGUES, false),
);

/** Reshape keeps the batch axis: the target's first entry is -1, the batch size (folded from Shape) or x's static first axis. */
const reshape = op({ ...FLOAT_T, Tshape: only('DT_INT32', 'DT_INT64') }, (n, ctx) => {
  const [xRef, shape] = dataInputs(n);
  const x = ctx.operand(xRef!);
  const [first, ...rest] = ctx.ints(n, shape!).values;
  const keepsBatch = first === -1 || (first === BATCH ? x.type.shape[0] === null : first === x.type.shape[0]);
  if (!keepsBatch) ctx.refuseNode(n, `the first axis must stay the batch axis (-1), got ${first}`);
  if (rest.includes(BATCH)) ctx.refuseNode(n, 'only the first axis of the target shape may be the batch size');
  return ctx.b.op('reshape', [x], { shape: rest as number[] });
});

// N (the operand count) and Tidx (the axis' integer type) are stated by the operands themselves.
const concat = op({ ...FLOAT_T, N: ignored, Tidx: ignored }, (n, ctx) => {
  const ins = dataInputs(n);
  if (ins.length < 2) ctx.refuseNode(n, `needs its operands and an axis, has ${ins.length} inputs`);
  const [axis] = constValues(n, ctx, ins[ins.length - 1]!);
  const operands = ins.slice(0, -1).map(ctx.operand);
  const rank = operands[0]!.type.shape.length;
  return ctx.b.op('concat', operands, { axis: axis! < 0 ? axis! + rank : axis! });
});

const placeholder = op({ ...ANNOTATIONS, dtype: only<TfDtype>('DT_FLOAT', 'DT_INT32', 'DT_INT64', 'DT_BOOL'), shape: anyValue() }, (n, ctx, a) => {
  const dims = a.shape ?? ctx.refuse(n, 'shape', a.shape, 'is needed');
  if (!Array.isArray(dims)) return ctx.refuse(n, 'shape', dims, 'must give every axis');
  if (dims.slice(1).some((d) => !(Number(d) > 0))) ctx.refuse(n, 'shape', dims, 'has an unknown axis other than the first (batch) one');
  const shape: Dim[] = dims.map((d, i) => (i === 0 ? null : Number(d)));
  return ctx.b.input(irSafeName(n.name), { dtype: TF_DTYPES[a.dtype], shape });
});

const never = (why: string) => () => {
  throw new Error(why);
};

/** Every supported TensorFlow op and the IR it becomes. */
const TF_OPS: Record<string, TfOp> = {
  Placeholder: placeholder,
  // Values (and their dtype) come from the weights manifest.
  Const: op({ ...ANNOTATIONS, dtype: ignored, value: ignored }, never('constants are read from the weights manifest')),
  NoOp: op(ANNOTATIONS, never('NoOp carries no value')),
  Identity: unary('identity'),
  MatMul: op(MATMUL_ATTRS, (n, ctx, a) => product(n, ctx, a.transpose_b)),
  _FusedMatMul: fusedMatmul,
  // NCHW would add the bias along axis 1.
  BiasAdd: op({ ...FLOAT_T, data_format: only('NHWC') }, (n, { b, operand }) => b.op('add', twoOperands(n, operand))),
  Add: binary('add', NUMERIC_T),
  AddV2: binary('add', NUMERIC_T),
  Sub: binary('sub', NUMERIC_T),
  Mul: binary('mul', NUMERIC_T),
  // Comparisons give bool. incompatible_shape_error false would give a scalar false for shapes that do not broadcast.
  Equal: binary('equal', { ...NUMERIC_T, incompatible_shape_error: only(true) }),
  Less: binary('less', NUMERIC_T),
  Greater: binary('greater', NUMERIC_T),
  // SrcT is the operand's own dtype; float to int32 truncates toward zero, as IR cast does.
  // int64 is computed as int32 (tensorflowjs_converter stores int64 constants as int32).
  Cast: op({ ...ANNOTATIONS, SrcT: only('DT_FLOAT', 'DT_INT32', 'DT_INT64', 'DT_BOOL'), DstT: only<TfDtype>('DT_FLOAT', 'DT_INT32', 'DT_INT64', 'DT_BOOL'), Truncate: only(false) }, (n, { b, operand }, a) =>
    b.op('cast', [operand(dataInputs(n)[0]!)], { to: TF_DTYPES[a.DstT] }),
  ),
  RealDiv: binary('div'),
  Relu: unary('relu'),
  Relu6: op(FLOAT_T, (n, ctx) => activation(ctx.b, ctx.operand(dataInputs(n)[0]!), 'Relu6', 0)),
  Sigmoid: unary('sigmoid'),
  Tanh: unary('tanh'),
  Elu: unary('elu'),
  Selu: unary('selu'),
  Softplus: unary('softplus'),
  LeakyRelu: unary('leaky_relu', { ...FLOAT_T, alpha: number(0.2) }),
  // TensorFlow's Softmax is always along the last axis.
  Softmax: op(FLOAT_T, (n, { b, operand }) => b.op('softmax', [operand(dataInputs(n)[0]!)], { axis: -1 })),
  Reshape: reshape,
  ConcatV2: concat,
  // Convolutional networks (tfjs-graph-conv.ts); SpaceToBatchND -> conv -> BatchToSpaceND is
  // rewritten into a dilated conv before import (tfjs-graph-dilated.ts).
  Conv2D: conv2dOp,
  _FusedConv2D: fusedConv2dOp,
  DepthwiseConv2dNative: depthwiseConv2dOp,
  FusedDepthwiseConv2dNative: fusedDepthwiseConv2dOp,
  MaxPool: maxPoolOp,
  AvgPool: avgPoolOp,
  Pad: padOp,
  PadV2: padOp,
  // Inference batch normalization and image resizing (tfjs-graph-image.ts).
  FusedBatchNorm: fusedBatchNormOp,
  FusedBatchNormV2: fusedBatchNormOp,
  FusedBatchNormV3: fusedBatchNormOp,
  ResizeNearestNeighbor: resizeNearestNeighborOp,
  ResizeBilinear: resizeBilinearOp,
  // Shape computations folded at import (tfjs-graph-shapes.ts): Keras' Flatten.
  Shape: shapeOp,
  // Elementwise math, comparisons, logic, reductions (tfjs-graph-math.ts).
  ...TF_MATH_OPS,
  // Shape and structure ops on tensors (tfjs-graph-structure.ts); StridedSlice and Pack of
  // shape computations fold.
  ...TF_STRUCTURE_OPS,
};

function outputNames(json: GraphModelJson, nodes: TfNode[]): string[] {
  const fromSignature = Object.values(json.signature?.outputs ?? {}).map((o) => o.name.replace(/:0$/, ''));
  if (fromSignature.length > 0) return fromSignature;
  const read = new Set(nodes.flatMap((n) => (n.input ?? []).map(refNode)));
  return nodes.filter((n) => !read.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp').map((n) => n.name);
}

/** The TensorFlow ops the importer has a table entry for (the fuzzers mutate toward them). */
export const tfOpNames = (): string[] => Object.keys(TF_OPS);
