import type { Attrs, Node } from '../graph.js';
import type { GraphBuilder } from '../builder.js';
import { ShapeError, type OpDef } from '../registry.js';
import { sizeOf, stridesOf, tensor, type Tensor } from '../tensor.js';
import type { Dim, Shape, TensorType } from '../types.js';
import { normalizeAxis } from './softmax.js';

/** The reduced axes named by `axes` (all axes when empty), sorted and normalized. */
export function reducedAxes(attrs: Attrs, rank: number): number[] {
  const axes = attrs.axes as readonly number[];
  const list = axes.length === 0 ? [...Array(rank).keys()] : axes.map((a) => normalizeAxis(a, rank));
  if (new Set(list).size !== list.length) throw new ShapeError(`repeated reduction axis in [${axes.join(',')}]`);
  return list.sort((a, b) => a - b);
}

export function reducedShape<D extends Dim>(shape: readonly D[], axes: readonly number[], keepdims: boolean): D[] {
  const out: D[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1 as D);
  });
  return out;
}

export const REDUCE_ATTRS = { axes: { kind: 'ints', default: [] }, keepdims: { kind: 'bool', default: false } } as const;

/**
 * The row-local rule of reductions (and of unreduce, whose operand `ref` has the reduced shape):
 * row-local unless the reduced axes of operand `which` include its batch axis.
 */
export const keepsBatchAxis =
  (which: number) =>
  (node: Node): boolean => {
    const shape = node.inputs[which]!.type.shape;
    return !reducedAxes(node.attrs, shape.length).some((a) => shape[a] === null);
  };

export function inferReduce([x]: readonly TensorType[], attrs: Attrs): TensorType {
  const axes = reducedAxes(attrs, x!.shape.length);
  return { dtype: x!.dtype, shape: reducedShape(x!.shape, axes, attrs.keepdims === true) };
}

/**
 * For each element of a tensor of `shape`, the flat index of the element it reduces into (its
 * reduced axes set to 0, kept-dims layout). Shared by reductions and their gradient.
 */
export function reductionIndex(shape: readonly number[], axes: readonly number[]): Int32Array {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const keptStrides = stridesOf(kept);
  const n = sizeOf(shape);
  const map = new Int32Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    let dst = 0;
    for (let d = 0; d < shape.length; d++) if (!axes.includes(d)) dst += idx[d]! * keptStrides[d]!;
    map[flat] = dst;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return map;
}

/**
 * Folds each line of `x` over the reduced axes with `combine`, from `init`, in float64 in row-major
 * order (max, product); `outShape` is the concrete result shape.
 */
export function foldReduce(x: Tensor, attrs: Attrs, outShape: readonly number[], init: number, combine: (acc: number, v: number) => number): Tensor {
  const acc = new Float64Array(outShape.reduce((p, d) => p * d, 1)).fill(init);
  const map = reductionIndex(x.shape, reducedAxes(attrs, x.shape.length));
  for (let i = 0; i < x.data.length; i++) acc[map[i]!] = combine(acc[map[i]!]!, x.data[i]!);
  return tensor([...outShape], Float32Array.from(acc));
}

/** Sums (or averages) `x` over `axes`; `out` is the concrete result type. */
export function reduceTensor(x: Tensor, axes: readonly number[], outShape: readonly number[], mean: boolean): Tensor {
  const out = tensor(outShape);
  const map = reductionIndex(x.shape, axes);
  // Accumulate in float64: the reference should not lose precision summing a whole batch.
  const acc = new Float64Array(out.data.length);
  for (let i = 0; i < x.data.length; i++) acc[map[i]!]! += x.data[i]!;
  const count = x.data.length / Math.max(1, out.data.length);
  for (let i = 0; i < acc.length; i++) out.data[i] = mean ? acc[i]! / count : acc[i]!;
  return out;
}

/** Gradient of a reduction: the incoming gradient broadcast back over the reduced axes. */
export function reductionGradient(mean: boolean) {
  return (b: GraphBuilder, node: Node, g: Node): Node[] => [
    b.op('unreduce', [g, node.inputs[0]!], { axes: node.attrs.axes!, keepdims: node.attrs.keepdims!, mean }),
  ];
}

/**
 * Sums a broadcast result back to an operand's shape (numpy broadcasting in reverse): leading
 * axes the operand lacks are summed away, axes where it has extent 1 are summed and kept.
 */
export function sumToShape(b: GraphBuilder, x: Node, target: Shape): Node {
  const shape = x.type.shape;
  const lead = shape.length - target.length;
  const ones = target.flatMap((d, i) => (d === 1 && shape[lead + i] !== 1 ? [lead + i] : []));
  let y = x;
  if (ones.length > 0) y = b.op('reduce_sum', [y], { axes: ones, keepdims: true });
  if (lead > 0) y = b.op('reduce_sum', [y], { axes: [...Array(lead).keys()], keepdims: false });
  return y;
}

export const reduceSum: OpDef = {
  name: 'reduce_sum',
  summary: 'sum over `axes` (all when empty), dropping them unless `keepdims`',
  arity: 1,
  attrs: REDUCE_ATTRS,
  traits: { rowLocal: keepsBatchAxis(0) },
  inferType: inferReduce,
  evaluate: ([x], attrs, out) => reduceTensor(x!, reducedAxes(attrs, x!.shape.length), out.shape as number[], false),
  gradient: reductionGradient(false),
};
