/**
 * Values the ONNX importer knows while it builds: initializers, Constant nodes, frozen graph
 * inputs, and what shape computations on them give (Shape, Gather, Concat, Unsqueeze, Slice, ...
 * fold here, and any other op whose operands are all known is run once by the reference
 * interpreter). Reshape's target, Pad's pads, Slice's starts and the like are read from them. A
 * known value may hold the batch size (`null`, from Shape of a batched value): Reshape and Expand
 * read it as "the batch axis"; any computation on it is refused by name, since the batch size is
 * known only when the model runs.
 */
import type { GraphBuilder } from '../../ir/builder.js';
import type { Node } from '../../ir/graph.js';
import { dataOf, type TensorData } from '../../ir/tensor.js';
import type { DType } from '../../ir/types.js';
import { evaluateOnce } from '../../passes/fold-constants.js';
import type { OnnxContext, OnnxNode } from './onnx.js';

/** A value known at import: its dims, IR dtype and row-major values (null: the batch size). */
export interface Known {
  readonly dims: readonly number[];
  readonly dtype: DType;
  readonly values: readonly (number | null)[];
}

export const known = (dims: readonly number[], dtype: DType, values: readonly (number | null)[]): Known => {
  if (values.length !== dims.reduce((p, d) => p * d, 1)) throw new Error(`known value: ${values.length} values for dims [${dims.join(',')}]`);
  return { dims: [...dims], dtype, values: [...values] };
};

export const isKnown = (v: unknown): v is Known => typeof v === 'object' && v !== null && 'dims' in v && 'values' in v && 'dtype' in v;

/** Whether any entry is the batch size. */
export const holdsBatch = (k: Known): boolean => k.values.includes(null);

/** Values rounded to what the dtype stores (f32 to float32, i32 toward zero, bool to 0 / 1). */
export function castValues(values: readonly (number | null)[], to: DType): (number | null)[] {
  return values.map((v) => (v === null ? null : to === 'f32' ? Math.fround(v) : to === 'bool' ? (v !== 0 ? 1 : 0) : Number.isNaN(v) ? 0 : Math.trunc(v)));
}

/** Elements of a known value up to which it is an IR `const` (printed in the IR); larger ones are weights. */
const INLINE_LIMIT = 16;

/**
 * The IR node of a known value without the batch size. int32 values must fit (INT64 is computed as
 * int32); `refuse` explains why not.
 */
export function materialize(b: GraphBuilder, name: string, k: Known, refuse: (why: string) => never): Node {
  if (holdsBatch(k)) refuse(`value '${name}' holds the batch size, which is known only when the model runs; nnc folds it only into a Reshape or Expand target`);
  const values = k.values as number[];
  if (k.dtype === 'i32') {
    const at = values.findIndex((v) => v < -(2 ** 31) || v >= 2 ** 31);
    if (at >= 0) refuse(`value '${name}' holds ${values[at]} at index ${at}, which does not fit in int32; nnc computes INT64 as int32`);
  }
  const type = { dtype: k.dtype, shape: [...k.dims] };
  return values.length <= INLINE_LIMIT ? b.constant(values, type) : b.weight(name, type, dataOf(k.dtype, values));
}

/**
 * The value of an IR node computed from constants only (consts, weights with data), run by the
 * reference interpreter; undefined when it reads an input. Results are cached per node.
 */
export function evaluateConstant(b: GraphBuilder, node: Node, cache: Map<Node, TensorData | undefined>): TensorData | undefined {
  if (cache.has(node)) return cache.get(node);
  let value: TensorData | undefined;
  if (node.op === 'const') value = dataOf(node.type.dtype, node.attrs.value as readonly number[]);
  else if (node.op === 'weight') value = b.weightData(node.name!);
  else if (node.op !== 'input' && node.op !== 'result' && !node.type.shape.includes(null) && node.inputs.length > 0) {
    const operands = node.inputs.map((x) => evaluateConstant(b, x, cache));
    if (operands.every((d): d is TensorData => d !== undefined)) value = evaluateOnce(node, operands);
  }
  cache.set(node, value);
  return value;
}

/** Row-major strides of static dims. */
export const stridesOfDims = (dims: readonly number[]): number[] => dims.map((_, i) => dims.slice(i + 1).reduce((p, d) => p * d, 1));

/** Why a value must be known, and how a graph input becomes known (--freeze). */
export function mustBeKnown(n: OnnxNode, ctx: OnnxContext, name: string, what: string): Known {
  return (
    ctx.known(name) ??
    ctx.refuseNode(
      n,
      `${what} ('${name}') must be known when the model is built${
        ctx.isGraphInput(name) ? `: it is a graph input, so give its value with --freeze ${name}=VALUES` : ' (an initializer, a Constant, or a shape computation nnc folds)'
      }`,
    )
  );
}

/** A known value's numbers, refused by name while it holds the batch size. */
export function constValues(n: OnnxNode, ctx: OnnxContext, name: string, what: string): number[] {
  const k = mustBeKnown(n, ctx, name, what);
  if (holdsBatch(k)) ctx.refuseNode(n, `${what} ('${name}') holds the batch size, which is known only when the model runs`);
  return k.values as number[];
}

/**
 * A known value ONNX types as integers (axes, shapes, sizes, pads, starts, repeats: INT64): its
 * numbers, refused by name when the value is another type (a float tensor in an axes input would
 * otherwise reach the IR as fractional axes).
 */
export function constIntegers(n: OnnxNode, ctx: OnnxContext, name: string, what: string): number[] {
  const values = constValues(n, ctx, name, what);
  const { dtype } = ctx.known(name)!;
  if (dtype !== 'i32') ctx.refuseNode(n, `${what} ('${name}') must be integers (INT64), got ${dtype}`);
  return values;
}
