/**
 * TensorFlow's elementwise math, comparisons, logic, selection and reductions as IR. Most ops are
 * one IR op; the others are exact compositions of IR ops, as the ONNX importer builds them
 * (onnx-math.ts): Rsqrt = 1 / sqrt, Square = x · x, SquaredDifference = (x - y)², FloorDiv =
 * floor(x / y) (float only: TensorFlow's integer floor division is not the IR's truncating one),
 * NotEqual = not(equal), Min = -max(-x), ArgMin = argmax(-x). Select takes operands of one shape;
 * SelectV2 broadcasts numpy-style. (tfjs-converter has no Softsign or Inv, so no graph model holds them.) Reductions and ArgMax read their
 * axes from constants; int64 indices are computed as int32, as everywhere in the importer.
 */
import type { Node } from '../../ir/graph.js';
import { formatShape } from '../../ir/types.js';
import { boolean, only } from './attributes.js';
import { ANNOTATIONS, FLOAT_T, NUMERIC_T, binary, constValues, dataInputs, op, twoOperands, unary, type TfContext, type TfNode, type TfOp } from './tfjs-graph-common.js';

/** Operands of Select and ClipByValue: any dtype the IR computes on. */
const ANY_T = { ...ANNOTATIONS, T: only('DT_FLOAT', 'DT_INT32', 'DT_BOOL') } as const;
const INDEX_T = only('DT_INT32', 'DT_INT64');

/** The node's data inputs `from`..`from + count - 1` as IR values. */
const operands = (n: TfNode, ctx: TfContext, count: number) => [...Array(count).keys()].map((i) => ctx.operand(dataInputs(n)[i]));

/** An op built from its first data input by `f` (a composition of IR ops). */
const composedUnary = (f: (b: TfContext['b'], x: Node) => Node, attrs: typeof FLOAT_T | typeof NUMERIC_T = FLOAT_T) => op(attrs, (n, ctx) => f(ctx.b, ctx.operand(dataInputs(n)[0])));
const composedBinary = (f: (b: TfContext['b'], x: Node, y: Node) => Node, attrs: typeof FLOAT_T | typeof NUMERIC_T = FLOAT_T) =>
  op(attrs, (n, ctx) => {
    const [x, y] = twoOperands(n, ctx.operand) as [Node, Node];
    return f(ctx.b, x, y);
  });

/**
 * Select(c, x, y) with c, x and y of one shape. TensorFlow also takes a vector c along x's first
 * axis, which tfjs-converter instead broadcasts numpy-style (it then fails): refused.
 */
const select = op(ANY_T, (n, ctx) => {
  const [c, x, y] = operands(n, ctx, 3) as [Node, Node, Node];
  const shapes = [c, x, y].map((v) => formatShape(v.type.shape));
  if (new Set(shapes).size !== 1) ctx.refuseNode(n, `condition, x and y must have one shape (SelectV2 broadcasts), got ${shapes.join(', ')}`);
  return ctx.b.op('where', [c, x, y]);
});

/** ClipByValue(t, lo, hi) = min(max(t, lo), hi), the bounds broadcasting. */
const clipByValue = op(NUMERIC_T, (n, ctx) => {
  const [x, lo, hi] = operands(n, ctx, 3) as [Node, Node, Node];
  return ctx.b.op('minimum', [ctx.b.op('maximum', [x, lo]), hi]);
});

/** The constant axes operand of a reduction, normalized; refused unless distinct axes of x. */
function reductionAxes(n: TfNode, ctx: TfContext, x: Node, ref: string | undefined): number[] {
  const rank = x.type.shape.length;
  const axes = constValues(n, ctx, ref).map((ax) => (ax < 0 ? ax + rank : ax));
  if (axes.some((ax) => ax < 0 || ax >= rank) || new Set(axes).size !== axes.length) ctx.refuseNode(n, `reduction axes [${axes.join(', ')}] must be distinct axes of a rank-${rank} value`);
  return axes;
}

type ReduceOp = 'reduce_sum' | 'reduce_mean' | 'reduce_max' | 'reduce_prod';
/** Sum / Mean / Max / Min / Prod over constant axes (reduction_indices), keep_dims as TensorFlow writes it. */
const reduction = (irOp: ReduceOp, negated = false) =>
  op({ ...FLOAT_T, Tidx: INDEX_T, keep_dims: boolean(false) }, (n, ctx, a) => {
    const [xRef, axesRef] = dataInputs(n);
    const x = ctx.operand(xRef);
    const axes = reductionAxes(n, ctx, x, axesRef);
    // No axes reduce nothing in TensorFlow (the IR's empty list means all axes).
    if (axes.length === 0) return ctx.b.op('identity', [x]);
    const { b } = ctx;
    const reduce = (v: Node) => b.op(irOp, [v], { axes, keepdims: a.keep_dims });
    return negated ? b.op('neg', [reduce(b.op('neg', [x]))]) : reduce(x);
  });

/** ArgMax / ArgMin along a constant axis (the first index of a tie, as TensorFlow), as int32. */
const argExtreme = (min: boolean) =>
  op({ ...FLOAT_T, Tidx: INDEX_T, output_type: only('DT_INT64', 'DT_INT32') }, (n, ctx) => {
    const [xRef, axisRef] = dataInputs(n);
    const x = ctx.operand(xRef);
    const axes = reductionAxes(n, ctx, x, axisRef);
    if (axes.length !== 1) ctx.refuseNode(n, `the axis ('${axisRef}') must be one integer, got [${axes.join(', ')}]`);
    const v = min ? ctx.b.op('neg', [x]) : x;
    return ctx.b.op('cast', [ctx.b.op('argmax', [v], { axis: axes[0]! })], { to: 'i32' });
  });

/** TensorFlow's math ops and the IR they become. */
export const TF_MATH_OPS: Readonly<Record<string, TfOp>> = {
  // One operand.
  Abs: unary('abs', NUMERIC_T),
  Neg: unary('neg', NUMERIC_T),
  Sign: unary('sign', NUMERIC_T),
  Exp: unary('exp'),
  Log: unary('log'),
  Sqrt: unary('sqrt'),
  Rsqrt: composedUnary((b, x) => b.op('reciprocal', [b.op('sqrt', [x])])),
  Reciprocal: unary('reciprocal'),
  Square: composedUnary((b, x) => b.op('mul', [x, x]), NUMERIC_T),
  Floor: unary('floor'),
  Ceil: unary('ceil'),
  Erf: unary('erf'),
  // TensorFlow's LogSoftmax is always along the last axis.
  LogSoftmax: op(FLOAT_T, (n, { b, operand }) => b.op('log_softmax', [operand(dataInputs(n)[0])], { axis: -1 })),
  // Two operands, numpy broadcasting.
  Pow: binary('pow'),
  Maximum: binary('maximum', NUMERIC_T),
  Minimum: binary('minimum', NUMERIC_T),
  SquaredDifference: composedBinary((b, x, y) => {
    const d = b.op('sub', [x, y]);
    return b.op('mul', [d, d]);
  }, NUMERIC_T),
  FloorDiv: composedBinary((b, x, y) => b.op('floor', [b.op('div', [x, y])])),
  // Comparisons and logic give bool.
  LessEqual: binary('less_equal', NUMERIC_T),
  GreaterEqual: binary('greater_equal', NUMERIC_T),
  NotEqual: op({ ...NUMERIC_T, incompatible_shape_error: only(true) }, (n, { b, operand }) => b.op('not', [b.op('equal', twoOperands(n, operand))])),
  LogicalNot: unary('not', ANNOTATIONS),
  LogicalAnd: binary('and', ANNOTATIONS),
  LogicalOr: binary('or', ANNOTATIONS),
  Select: select,
  SelectV2: op(ANY_T, (n, ctx) => ctx.b.op('where', operands(n, ctx, 3))),
  ClipByValue: clipByValue,
  // Reductions over constant axes.
  Sum: reduction('reduce_sum'),
  Mean: reduction('reduce_mean'),
  Max: reduction('reduce_max'),
  Min: reduction('reduce_max', true),
  Prod: reduction('reduce_prod'),
  ArgMax: argExtreme(false),
  ArgMin: argExtreme(true),
};
