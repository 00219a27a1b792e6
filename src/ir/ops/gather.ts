import { ShapeError, type OpDef } from '../registry.js';
import { typedTensor, type Tensor } from '../tensor.js';
import { DTYPES, formatShape, type Dim, type Shape } from '../types.js';
import { normalizeAxis } from './softmax.js';

/**
 * The shared geometry of gather and its gradient: data [outer..., extent, inner...] and int32
 * indices of any rank give [outer..., indices..., inner...]. At most one axis of the result may be
 * the batch, and it must come first: batched data gathered along a later axis (indices without a
 * batch), or unbatched data gathered along axis 0 by batched indices (an embedding lookup).
 */
export function gatheredShape(data: Shape, indices: Shape, axis: number): Shape {
  if (data[axis] === null) throw new ShapeError('cannot gather along the batch axis');
  const shape: Dim[] = [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)];
  if (shape.slice(1).includes(null)) throw new ShapeError(`gathering ${formatShape(indices)} from ${formatShape(data)} along axis ${axis} would put the batch axis at ${shape.indexOf(null, 1)}; it must be the first`);
  return shape;
}

/** Each index wrapped once (negative counts from the end) and checked against the extent. */
function wrapIndex(i: number, extent: number): number {
  const k = i < 0 ? i + extent : i;
  if (k < 0 || k >= extent) throw new RangeError(`gather: index ${i} is outside an axis of extent ${extent}`);
  return k;
}

/** Visits (outer position o, index position j, wrapped index k) with the block size `inner`. */
function eachBlock(dataShape: readonly number[], indices: Tensor, axis: number, visit: (o: number, j: number, k: number, inner: number) => void): void {
  const extent = dataShape[axis]!;
  const outer = dataShape.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = dataShape.slice(axis + 1).reduce((p, d) => p * d, 1);
  for (let o = 0; o < outer; o++) for (let j = 0; j < indices.data.length; j++) visit(o, j, wrapIndex(indices.data[j]!, extent), inner);
}

/**
 * ONNX Gather / tf.gather: blocks of `data` along `axis` picked by int32 `indices` (a negative index
 * counts from the end). An index outside [-extent, extent) is an error in the interpreter; the
 * compiled kernels write zeros for it (they cannot raise).
 */
export const gather: OpDef = {
  name: 'gather',
  summary: 'data[..., indices[...], ...] along `axis` (int32 indices of any rank)',
  arity: 2,
  attrs: { axis: { kind: 'int', default: 0, printDefault: true } },
  // Row r of the result reads row r of the data only when the data is batched (axis > 0).
  traits: { rowLocal: (node) => node.inputs[0]!.type.shape[0] === null && node.inputs[1]!.type.shape.every((d) => d !== null) },
  dtypes: { operands: DTYPES },
  inferType([data, indices], attrs) {
    if (indices!.dtype !== 'i32') throw new ShapeError(`gather indices must be i32, got ${indices!.dtype}`);
    return { dtype: data!.dtype, shape: gatheredShape(data!.shape, indices!.shape, normalizeAxis(Number(attrs.axis), data!.shape.length)) };
  },
  evaluate([data, indices], attrs, out) {
    const axis = normalizeAxis(Number(attrs.axis), data!.shape.length);
    const result = typedTensor(out.shape as number[], out.dtype);
    const count = indices!.data.length;
    const extent = data!.shape[axis]!;
    eachBlock(data!.shape, indices!, axis, (o, j, k, inner) => result.data.set(data!.data.subarray((o * extent + k) * inner, (o * extent + k + 1) * inner), (o * count + j) * inner));
    return result;
  },
  gradient: (b, node, g) => [b.op('gather_grad', [g, node.inputs[1]!], { axis: node.attrs.axis!, extent: node.inputs[0]!.type.shape[normalizeAxis(Number(node.attrs.axis), node.inputs[0]!.type.shape.length)] as number }), null],
};

/**
 * The gradient of gather with respect to its data: zeros of the data's shape with each block of
 * `g` added at the index that picked it (a scatter-add: an index picked twice gets both).
 */
export const gatherGrad: OpDef = {
  name: 'gather_grad',
  summary: 'scatter-add of g\'s blocks into zeros at `indices` along `axis` (extent `extent`)',
  arity: 2,
  attrs: { axis: { kind: 'int', printDefault: true }, extent: { kind: 'int' } },
  // Blocks from every row may land on one index.
  traits: { rowLocal: false },
  // g is f32, indices i32 (inferType checks which is which).
  dtypes: { operands: ['f32', 'i32'] },
  inferType([g, indices], attrs) {
    if (indices!.dtype !== 'i32' || g!.dtype !== 'f32') throw new ShapeError(`gather_grad takes f32 g and i32 indices, got ${g!.dtype} and ${indices!.dtype}`);
    const axis = Number(attrs.axis);
    const extent = Number(attrs.extent);
    const rank = g!.shape.length - indices!.shape.length + 1;
    const a = normalizeAxis(axis, rank);
    if (!Number.isInteger(extent) || extent < 1) throw new ShapeError(`gather_grad extent must be a positive integer, got ${attrs.extent}`);
    const lead = g!.shape.slice(0, a);
    const shape: Dim[] = [...lead, extent, ...g!.shape.slice(a + indices!.shape.length)];
    if (indices!.shape.includes(null) && shape.includes(null)) throw new ShapeError('gather_grad: batched indices scatter into an unbatched value');
    return { dtype: 'f32', shape };
  },
  evaluate([g, indices], attrs, out) {
    const shape = out.shape as number[];
    const axis = normalizeAxis(Number(attrs.axis), shape.length);
    const result = typedTensor(shape, 'f32');
    const count = indices!.data.length;
    eachBlock(shape, indices!, axis, (o, j, k, inner) => {
      for (let e = 0; e < inner; e++) result.data[(o * shape[axis]! + k) * inner + e]! += g!.data[(o * count + j) * inner + e]!;
    });
    return result;
  },
  gradient: (b, node, g) => [b.op('gather', [g, node.inputs[1]!], { axis: node.attrs.axis! }), null],
};
