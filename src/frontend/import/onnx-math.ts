/**
 * ONNX's math operators (opsets 7-25) as nnc IR: elementwise math and activations, numpy-
 * broadcasting binary and variadic ops, comparisons and logic, MatMul and Gemm, Softmax /
 * LogSoftmax and the reductions. Each is a small table entry. Where an opset moved an attribute
 * to an input (Clip's min / max at 11, the reductions' axes at 13 or 18) both forms are read;
 * inputs that must be known at build time (axes) must be initializers. An operand of an element
 * type the IR op does not compute is refused by name (ONNX INT64 is computed as int32, as
 * everywhere in the importer).
 */
import { NncError } from '../../errors.js';
import type { Attrs, Node } from '../../ir/graph.js';
import { opRegistry } from '../../ir/ops/index.js';
import { F32_ONLY } from '../../ir/registry.js';
import { formatShape, type DType } from '../../ir/types.js';
import { SELU_ALPHA, SELU_SCALE } from '../../ir/ops/selu.js';
import { integer, integers, irAttrs, number, only, type AttrTable } from './attributes.js';
import { nodeName, op } from './onnx-op.js';
import { constIntegers } from './onnx-known.js';
import type { OnnxContext, OnnxNode, OnnxOp } from './onnx.js';
import { irSafeName, transposed } from './shared.js';

/** The ONNX element types an IR dtype stands for, as refusals name them. */
const ONNX_TYPES: Readonly<Record<DType, string>> = { f32: 'FLOAT', i32: 'INT32 or INT64', bool: 'BOOL' };

/** Refuses (NNC6001, by node) input k unless its dtype is one of `allowed`. */
function expectDtype(n: OnnxNode, ctx: OnnxContext, x: Node, k: number, allowed: readonly DType[]): void {
  if (!allowed.includes(x.type.dtype))
    ctx.refuseNode(n, `input ${k} ('${n.input[k]}') is ${ONNX_TYPES[x.type.dtype]}; nnc computes ${n.opType} on ${allowed.map((d) => ONNX_TYPES[d]).join(', ')} only`);
}

/** ONNX types the operands of most ops alike: operands of two dtypes make an invalid model (NNC6002). */
function expectSameDtype(n: OnnxNode, ctx: OnnxContext, xs: readonly Node[], first = 0): void {
  const k = xs.findIndex((x) => x.type.dtype !== xs[0]!.type.dtype);
  if (k > 0)
    throw new NncError('NNC6002', `${n.opType}: operands '${n.input[first]}' (${xs[0]!.type.dtype}) and '${n.input[first + k]}' (${xs[k]!.type.dtype}) differ in element type, which ONNX does not allow`, {
      location: { file: ctx.path, node: nodeName(n) },
      hint: 'Insert a Cast so that both operands have one type.',
    });
}

/** IR op `irOp` of `inputs`, after refusing by name an operand of a dtype it does not compute. */
function build(n: OnnxNode, ctx: OnnxContext, irOp: string, inputs: readonly Node[], attrs: Attrs = {}): Node {
  const rule = opRegistry.get(irOp)!.dtypes ?? F32_ONLY;
  if (rule.same) expectSameDtype(n, ctx, inputs);
  inputs.forEach((x, k) => expectDtype(n, ctx, x, k, rule.operands));
  return ctx.b.op(irOp, [...inputs], attrs);
}

const inputs = (n: OnnxNode, ctx: OnnxContext) => n.input.map((name) => ctx.operand(name));
const scalar = (ctx: OnnxContext, value: number, dtype: DType = 'f32') => ctx.b.constant([value], { dtype, shape: [] });

/**
 * An operator ONNX introduced in opset `version`: a model importing an older opset has no such
 * operator, so the node is refused by name rather than read with a later meaning.
 */
const since = (version: number, entry: OnnxOp): OnnxOp => ({
  attrs: entry.attrs,
  build: (n, ctx, a) => (ctx.opset < version ? ctx.refuseNode(n, `ONNX defines it from opset ${version} on; this model imports opset ${ctx.opset}`) : entry.build(n, ctx, a)),
});

/** A one-operand op whose ONNX attributes are the IR op's (same names); defaults stay implicit. */
export const unary = (irOp: string, attrs: AttrTable = {}) => op(attrs, (n, ctx, a) => build(n, ctx, irOp, [ctx.operand(n.input[0]!)], irAttrs(irOp, a)));
/** A two-operand op, numpy broadcasting (every opset from 7 on). */
const binary = (irOp: string) => op({}, (n, ctx) => build(n, ctx, irOp, [ctx.operand(n.input[0]!), ctx.operand(n.input[1]!)]));

/** Relu of a float, or max(x, 0) of an integer (opset 14 on). */
const relu = op({}, (n, ctx) => {
  const x = ctx.operand(n.input[0]!);
  return x.type.dtype === 'i32' ? build(n, ctx, 'maximum', [x, scalar(ctx, 0, 'i32')]) : build(n, ctx, 'relu', [x]);
});

/** Equal of two bools compares them as integers (opset 11 on). */
const equal = op({}, (n, ctx) => {
  const [x, y] = [ctx.operand(n.input[0]!), ctx.operand(n.input[1]!)];
  expectSameDtype(n, ctx, [x, y]);
  const asInt = (v: Node) => (v.type.dtype === 'bool' ? ctx.b.op('cast', [v], { to: 'i32' }) : v);
  return build(n, ctx, 'equal', [asInt(x), asInt(y)]);
});

/** Pow of a float base; an integer exponent (opset 12 on) is converted to float (exact up to 2^24). */
const pow = op({}, (n, ctx) => {
  const [x, y] = [ctx.operand(n.input[0]!), ctx.operand(n.input[1]!)];
  expectDtype(n, ctx, x, 0, ['f32']);
  expectDtype(n, ctx, y, 1, ['f32', 'i32']);
  return ctx.b.op('pow', [x, y.type.dtype === 'f32' ? y : ctx.b.op('cast', [y], { to: 'f32' })]);
});

/** Where(condition, x, y): a bool condition, x and y of one type, all three broadcasting. */
const where = op({}, (n, ctx) => {
  const [c, x, y] = [0, 1, 2].map((k) => ctx.operand(n.input[k]!)) as [Node, Node, Node];
  expectDtype(n, ctx, c, 0, ['bool']);
  expectSameDtype(n, ctx, [x, y], 1);
  return ctx.b.op('where', [c, x, y]);
});

/**
 * Max, Min, Sum, Mean of one or more operands, folded pairwise in input order (Mean divides the
 * sum by the count). Opset 8 added broadcasting; before it, the operands share one shape.
 */
const variadic = (irOp: 'maximum' | 'minimum' | 'add', mean = false) =>
  op({}, (n, ctx) => {
    const xs = inputs(n, ctx);
    if (xs.length === 0) ctx.refuseNode(n, 'has no inputs');
    const shapes = xs.map((x) => formatShape(x.type.shape));
    if (ctx.opset < 8 && shapes.some((s) => s !== shapes[0]))
      ctx.refuseNode(n, `operands of shapes ${shapes.join(', ')} broadcast only from opset 8 on; this model imports opset ${ctx.opset}`);
    if (xs.length === 1) return ctx.b.op('identity', xs);
    const total = xs.slice(1).reduce((acc, x) => build(n, ctx, irOp, [acc, x]), xs[0]!);
    return mean ? build(n, ctx, 'div', [total, scalar(ctx, xs.length, total.type.dtype)]) : total;
  });

/**
 * Clip: min(max(x, min), max), each bound optional. Before opset 11 the bounds are attributes;
 * from 11 on, optional scalar inputs (a bound of another shape is refused).
 */
const clip = op({ min: number(), max: number() }, (n, ctx, a) => {
  const x = ctx.operand(n.input[0]!);
  expectDtype(n, ctx, x, 0, ['f32', 'i32']);
  const bound = (k: number, attr: 'min' | 'max'): Node | undefined => {
    if (ctx.opset < 11) return a[attr] === undefined ? undefined : scalar(ctx, a[attr], x.type.dtype);
    if (a[attr] !== undefined) ctx.refuse(n, attr, a[attr], `is an input from opset 11 on; this model imports opset ${ctx.opset}`);
    const name = n.input[k];
    if (!name) return undefined;
    const v = ctx.operand(name);
    if (v.type.shape.length !== 0) ctx.refuseNode(n, `${attr} ('${name}') must be a scalar, got shape ${formatShape(v.type.shape)}`);
    expectSameDtype(n, ctx, [x, v]);
    return v;
  };
  const [lo, hi] = [bound(1, 'min'), bound(2, 'max')];
  let y = x;
  if (lo) y = ctx.b.op('maximum', [y, lo]);
  if (hi) y = ctx.b.op('minimum', [y, hi]);
  return y === x ? ctx.b.op('identity', [x]) : y;
});

/** A matrix operand of Gemm, transposed when `trans` (a constant once, here; a computed one by a transpose). */
function gemmOperand(n: OnnxNode, ctx: OnnxContext, k: 0 | 1, trans: boolean): Node {
  const name = n.input[k]!;
  const attr = k === 0 ? 'transA' : 'transB';
  const c = ctx.constants.get(name);
  if (trans && c && c.elemType === 'FLOAT' && c.dims.length === 2) {
    const [rows, cols] = c.dims as [number, number];
    return ctx.derivedWeight(`${irSafeName(name)}/transposed`, [cols, rows], () => transposed(Float32Array.from(c.data), rows, cols));
  }
  const x = ctx.operand(name);
  expectDtype(n, ctx, x, k, ['f32']);
  if (x.type.shape.length !== 2) ctx.refuseNode(n, `${k === 0 ? 'A' : 'B'} ('${name}') must be a matrix, got shape ${formatShape(x.type.shape)}`);
  if (!trans) return x;
  if (x.type.shape.includes(null))
    ctx.refuse(n, attr, 1, `with a computed ${k === 0 ? 'A' : 'B'} ('${name}') of shape ${formatShape(x.type.shape)} is not supported (only a matrix without a batch axis: its transpose would put the batch on its second axis)`);
  return ctx.b.op('transpose', [x], { perm: [1, 0] });
}

/** Gemm: alpha * A' B' + beta * C, A' and B' transposed by transA / transB, C (optional from opset 11) broadcasting. */
const gemm = op({ alpha: number(1), beta: number(1), transA: integer(0), transB: integer(0) }, (n, ctx, a) => {
  const { b } = ctx;
  const x = gemmOperand(n, ctx, 0, a.transA !== 0);
  const w = gemmOperand(n, ctx, 1, a.transB !== 0);
  const scaled = (v: Node, factor: number) => (factor === 1 ? v : b.op('mul', [v, scalar(ctx, factor)]));
  const y = scaled(b.op('matmul', [x, w]), a.alpha);
  const cName = n.input[2];
  if (!cName || a.beta === 0) return y;
  const c = ctx.operand(cName);
  expectDtype(n, ctx, c, 2, ['f32']);
  return b.op('add', [y, scaled(c, a.beta)]);
});

/** Normalizes an axis against `rank`, refusing one out of range by name. */
function axisOf(n: OnnxNode, ctx: OnnxContext, name: string, axis: number, rank: number): number {
  if (axis < -rank || axis >= rank) ctx.refuse(n, name, axis, `is out of range for an input of rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/** (log-)softmax over several axes at once: x - max, exp, divided by (minus the log of) the sum. */
function softmaxOver(ctx: OnnxContext, x: Node, axes: number[], log: boolean): Node {
  const { b } = ctx;
  const shifted = b.op('sub', [x, b.op('reduce_max', [x], { axes, keepdims: true })]);
  const e = b.op('exp', [shifted]);
  const sum = b.op('reduce_sum', [e], { axes, keepdims: true });
  return log ? b.op('sub', [shifted, b.op('log', [sum])]) : b.op('div', [e, sum]);
}

/**
 * Softmax / LogSoftmax. From opset 13 on, along one axis (default -1). Before, the input is
 * seen as 2-D, [product of the axes before axis, product of the rest] (default axis 1), and
 * normalized along the second: a softmax over the axes from `axis` on, flattened into one
 * (a reshape that keeps axis 0 when axis > 0; the reductions over every axis when axis is 0).
 */
const softmaxLike = (irOp: 'softmax' | 'log_softmax') =>
  op({ axis: integer() }, (n, ctx, a) => {
    const x = ctx.operand(n.input[0]!);
    expectDtype(n, ctx, x, 0, ['f32']);
    const shape = x.type.shape;
    const rank = shape.length;
    const axis = a.axis ?? (ctx.opset < 13 ? 1 : -1);
    const ax = axisOf(n, ctx, 'axis', axis, rank);
    if (ctx.opset >= 13 || ax === rank - 1) return ctx.b.op(irOp, [x], { axis: ctx.opset >= 13 ? axis : -1 });
    if (ax === 0) return softmaxOver(ctx, x, [...shape.keys()], irOp === 'log_softmax');
    const row = shape.slice(1) as number[];
    const flat = [...row.slice(0, ax - 1), row.slice(ax - 1).reduce((p, d) => p * d, 1)];
    const y = ctx.b.op(irOp, [ctx.b.op('reshape', [x], { shape: flat })], { axis: -1 });
    return ctx.b.op('reshape', [y], { shape: row });
  });

/** A reduction of `v` by an IR reduce op over the node's axes (keepdims as the node says, unless `keep`). */
type Reduce = (irOp: 'reduce_sum' | 'reduce_mean' | 'reduce_max' | 'reduce_prod', v: Node, keep?: boolean) => Node;

/**
 * How each ONNX reduction is computed from the IR's sums, means, products and maxima (exact compositions).
 * With noop_with_empty_axes and no axes, `reduce` is the identity: each element is reduced alone,
 * so ReduceL2 gives |x|, ReduceSumSquare x², ReduceLogSum log(x), as onnxruntime does.
 */
const REDUCERS: Readonly<Record<string, (b: OnnxContext['b'], x: Node, reduce: Reduce) => Node>> = {
  ReduceSum: (_, x, reduce) => reduce('reduce_sum', x),
  ReduceMean: (_, x, reduce) => reduce('reduce_mean', x),
  ReduceMax: (_, x, reduce) => reduce('reduce_max', x),
  ReduceProd: (_, x, reduce) => reduce('reduce_prod', x),
  ReduceMin: (b, x, reduce) => b.op('neg', [reduce('reduce_max', b.op('neg', [x]))]),
  ReduceL1: (b, x, reduce) => reduce('reduce_sum', b.op('abs', [x])),
  ReduceL2: (b, x, reduce) => b.op('sqrt', [reduce('reduce_sum', b.op('mul', [x, x]))]),
  ReduceSumSquare: (b, x, reduce) => reduce('reduce_sum', b.op('mul', [x, x])),
  ReduceLogSum: (b, x, reduce) => b.op('log', [reduce('reduce_sum', x)]),
  // log(sum(exp(x - max))) + max: no overflow for large x.
  ReduceLogSumExp: (b, x, reduce) => {
    const shifted = b.op('sub', [x, reduce('reduce_max', x, true)]);
    return b.op('add', [b.op('log', [reduce('reduce_sum', b.op('exp', [shifted]))]), reduce('reduce_max', x)]);
  },
};

/**
 * A reduction over `axes` (all axes when absent or empty, unless noop_with_empty_axes makes that
 * the identity), keepdims by default. The axes are an attribute before opset `inputFrom` (13 for
 * ReduceSum, 18 for the others) and an optional input (an initializer) from it on.
 */
const reduction = (opType: keyof typeof REDUCERS, inputFrom: number) =>
  op({ axes: integers(), keepdims: integer(1), noop_with_empty_axes: integer(0) }, (n, ctx, a) => {
    const x = ctx.operand(n.input[0]!);
    expectDtype(n, ctx, x, 0, ['f32']);
    let axes = a.axes;
    if (ctx.opset >= inputFrom) {
      if (axes !== undefined) ctx.refuse(n, 'axes', axes, `is an input from opset ${inputFrom} on; this model imports opset ${ctx.opset}`);
      const name = n.input[1];
      if (name) axes = constIntegers(n, ctx, name, 'the axes');
    }
    const rank = x.type.shape.length;
    const list = (axes ?? []).map((ax) => axisOf(n, ctx, 'axes', ax, rank));
    if (new Set(list).size !== list.length) ctx.refuse(n, 'axes', axes, 'names an axis twice');
    const noop = list.length === 0 && a.noop_with_empty_axes !== 0;
    const reduce: Reduce = (irOp, v, keep) => (noop ? v : ctx.b.op(irOp, [v], { axes: list, keepdims: keep ?? a.keepdims !== 0 }));
    const y = REDUCERS[opType]!(ctx.b, x, reduce);
    return y === x ? ctx.b.op('identity', [x]) : y;
  });

/**
 * ArgMax / ArgMin along `axis`, keepdims by default, the first index of a tie (the last with
 * select_last_index); ArgMin is ArgMax of -x. ONNX's INT64 indices are computed as int32.
 */
const argExtreme = (min: boolean) =>
  op({ axis: integer(0), keepdims: integer(1), select_last_index: integer(0) }, (n, ctx, a) => {
    const x = ctx.operand(n.input[0]!);
    expectDtype(n, ctx, x, 0, ['f32']);
    axisOf(n, ctx, 'axis', a.axis, x.type.shape.length);
    const v = min ? ctx.b.op('neg', [x]) : x;
    const index = ctx.b.op('argmax', [v], { axis: a.axis, keepdims: a.keepdims !== 0, last: a.select_last_index !== 0 });
    return ctx.b.op('cast', [index], { to: 'i32' });
  });

/** Every supported ONNX math operator and the IR it becomes. */
export const ONNX_MATH_OPS: Readonly<Record<string, OnnxOp>> = {
  // One operand.
  Abs: unary('abs'),
  Neg: unary('neg'),
  Sign: since(9, unary('sign')),
  Exp: unary('exp'),
  Log: unary('log'),
  Sqrt: unary('sqrt'),
  Reciprocal: unary('reciprocal'),
  Erf: since(9, unary('erf')),
  Floor: unary('floor'),
  Ceil: unary('ceil'),
  Not: unary('not'),
  Clip: clip,
  // Activations.
  Relu: relu,
  Sigmoid: unary('sigmoid'),
  Tanh: unary('tanh'),
  Elu: unary('elu', { alpha: number(1) }),
  Celu: since(12, unary('celu', { alpha: number(1) })),
  LeakyRelu: unary('leaky_relu', { alpha: number(0.01) }),
  PRelu: binary('prelu'),
  // ONNX's defaults are the self-normalizing constants rounded to float32.
  Selu: unary('selu', { alpha: number(SELU_ALPHA), gamma: number(SELU_SCALE) }),
  HardSigmoid: unary('hard_sigmoid', { alpha: number(0.2), beta: number(0.5) }),
  HardSwish: since(14, unary('hard_swish')),
  Softplus: unary('softplus'),
  Softsign: unary('softsign'),
  Gelu: since(20, unary('gelu', { approximate: only('none', 'tanh') })),
  // Two or more operands, numpy broadcasting.
  Add: binary('add'),
  Sub: binary('sub'),
  Mul: binary('mul'),
  // int32 division truncates toward zero, as ONNX's integer Div.
  Div: binary('div'),
  Pow: pow,
  Max: variadic('maximum'),
  Min: variadic('minimum'),
  Sum: variadic('add'),
  Mean: variadic('add', true),
  // Comparisons give bool (opset 7 on: broadcasting).
  Equal: equal,
  Less: binary('less'),
  Greater: binary('greater'),
  LessOrEqual: since(12, binary('less_equal')),
  GreaterOrEqual: since(12, binary('greater_equal')),
  And: binary('and'),
  Or: binary('or'),
  Xor: binary('xor'),
  Where: since(9, where),
  // Products and normalization.
  MatMul: binary('matmul'),
  Gemm: gemm,
  Softmax: softmaxLike('softmax'),
  LogSoftmax: softmaxLike('log_softmax'),
  // Reductions.
  ReduceSum: reduction('ReduceSum', 13),
  ...Object.fromEntries(['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceSumSquare', 'ReduceLogSum', 'ReduceLogSumExp'].map((t) => [t, reduction(t, 18)])),
  ArgMax: argExtreme(false),
  ArgMin: argExtreme(true),
};
