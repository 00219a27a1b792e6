import type { Attrs } from '../graph.js';
import type { GraphBuilder } from '../builder.js';
import type { Node } from '../graph.js';
import { ShapeError, type AttrSpec, type DtypeRule, type GradientRule, type OpDef, type OpTraits } from '../registry.js';
import { derivative, simplify } from '../scalar-derivative.js';
import { arg, argsRead, compileScalar, isTranscendental, mul, printScalar, replaceSubexpression, scalarDtype, substitute, type ScalarExpr } from '../scalar-expr.js';
import { sumToShape } from './reduce_sum.js';
import { broadcastConcrete, broadcastIndex, dtypeOfData, typedTensor, type Tensor } from '../tensor.js';
import { formatShape, type Dim, type DType, type Shape, type TensorType } from '../types.js';

/** Numpy broadcasting over shapes with a symbolic batch dimension. */
export function broadcastShapes(shapes: readonly Shape[]): Shape {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of shapes) {
      const d = i - (rank - s.length) >= 0 ? s[i - (rank - s.length)]! : 1;
      if (d === 1 || d === dim) continue;
      if (dim === 1) dim = d;
      else throw new ShapeError(`cannot broadcast shapes ${shapes.map(formatShape).join(' and ')}`);
    }
    out.push(dim);
  }
  return out;
}

export function inferBroadcast(inputs: readonly TensorType[]): TensorType {
  const dtype = inputs[0]!.dtype;
  if (inputs.some((t) => t.dtype !== dtype)) throw new ShapeError(`operand dtypes differ: ${inputs.map((t) => t.dtype).join(', ')}`);
  return { dtype, shape: broadcastShapes(inputs.map((t) => t.shape)) };
}

/** The broadcast shape and the dtype of `expr` over operands of these types (ShapeError if refused). */
export function inferScalarType(name: string, expr: ScalarExpr, inputs: readonly TensorType[]): TensorType {
  let dtype: DType;
  try {
    dtype = scalarDtype(
      expr,
      inputs.map((t) => t.dtype),
    );
  } catch (e) {
    throw new ShapeError(`${name}: ${(e as Error).message}`);
  }
  return { dtype, shape: broadcastShapes(inputs.map((t) => t.shape)) };
}

/**
 * Evaluates a scalar expression over broadcast operands, with the semantics of their dtypes
 * (i32 arithmetic wraps and truncates), into the storage of `dtype`.
 */
export function evaluateScalarExpr(expr: ScalarExpr, inputs: readonly Tensor[], dtype: DType = 'f32'): Tensor {
  let outShape: number[] = [];
  for (const t of inputs) {
    const s = broadcastConcrete(outShape, t.shape);
    if (!s) throw new ShapeError('operands do not broadcast');
    outShape = s;
  }
  const out = typedTensor(outShape, dtype);
  const f = compileScalar(
    expr,
    inputs.map((t) => dtypeOfData(t.data)),
  );
  const maps = inputs.map((t) => (t.data.length === out.data.length ? null : broadcastIndex(outShape, t.shape)));
  const args = new Array<number>(inputs.length);
  for (let i = 0; i < out.data.length; i++) {
    for (let k = 0; k < inputs.length; k++) args[k] = inputs[k]!.data[maps[k] ? maps[k]![i]! : i]!;
    out.data[i] = f(args);
  }
  return out;
}

/**
 * Declares an elementwise op from its scalar math; shape inference and evaluation follow. Every
 * elementwise op is row-local (element i of the result reads element i of each operand, or the
 * element broadcast to it); `traits` adds e.g. commutative.
 */
export function elementwiseOp(
  name: string,
  summary: string,
  arity: number,
  scalar: (attrs: Attrs) => ScalarExpr,
  attrs: Record<string, AttrSpec> = {},
  traits: Pick<OpTraits, 'commutative'> = {},
  dtypes: DtypeRule = { operands: ['f32'] },
): OpDef {
  return {
    name,
    summary,
    arity,
    attrs,
    traits: { elementwise: true, rowLocal: true, ...traits },
    dtypes,
    inferType: (inputs, a) => inferScalarType(name, scalar(a), inputs),
    evaluate: (inputs, a, out) => evaluateScalarExpr(scalar(a), inputs, out.dtype),
    scalar,
    gradient: elementwiseGradient(scalar),
  };
}

/** An `elementwise` node computing `expr` over the operands it reads (the others are dropped, the arguments renumbered). */
function elementwiseOf(b: GraphBuilder, expr: ScalarExpr, operands: readonly Node[]): Node {
  const read = argsRead(expr);
  const used = operands.map((_, i) => i).filter((i) => read.has(i));
  const renumbered = operands.map((_, i) => arg(Math.max(0, used.indexOf(i))));
  return b.op('elementwise', used.map((i) => operands[i]!), { expr: printScalar(substitute(expr, renumbered)) });
}

/**
 * The gradient rule of every elementwise op, derived from its scalar math: operand i receives
 * `g * ∂expr/∂$i` (one fused `elementwise` node over the operands and g), summed back to the
 * operand's shape where it was broadcast. Where the derivative contains the op's own value and
 * that value costs a transcendental function (tanh' = 1 - tanh², exp' = exp), it reads the
 * forward result instead of computing it again, as tfjs's gradients do.
 */
export function elementwiseGradient(scalar: (attrs: Attrs) => ScalarExpr): GradientRule {
  return (b: GraphBuilder, node: Node, g: Node) => {
    const expr = scalar(node.attrs);
    const gArg = arg(node.inputs.length);
    const resultArg = arg(node.inputs.length + 1);
    return node.inputs.map((x, i) => {
      const d = derivative(expr, i);
      if (d.kind === 'const' && d.value === 0) return null;
      const chain = simplify(mul(gArg, d));
      const fromResult = isTranscendental(expr) ? replaceSubexpression(chain, expr, resultArg) : chain;
      const full = chain.kind === 'arg' ? g : elementwiseOf(b, fromResult, [...node.inputs, g, node]);
      return sumToShape(b, full, x.type.shape);
    });
  };
}
