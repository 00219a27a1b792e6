/**
 * TensorFlow's shape and structure ops on tensors, as the IR's reshape, transpose, slice, split
 * and concat: ExpandDims / Squeeze (reshape), Transpose (constant perm), Slice and StridedSlice
 * (one `slice` per narrowed axis, then a reshape for shrunk and new axes; a stride other than ±1
 * that keeps several indices would need a gather and is refused), Pack (reshape + concat),
 * Unpack / Split / SplitV (split, then reshape), Tile (concat of copies), GatherV2 (gather), Fill
 * and Range of constants (folded at import).
 * The IR keeps axis 0 (the batch) in place, so an op that would move, add or drop the first axis
 * is refused by name.
 */
import type { Node } from '../../ir/graph.js';
import type { Dim } from '../../ir/types.js';
import { formatShape } from '../../ir/types.js';
import { ignored, integer, integers, only } from './attributes.js';
import { ANNOTATIONS, constValues, dataInputs, knownInts, op, refName, TF_DTYPES, type TfContext, type TfDtype, type TfNode, type TfOp } from './tfjs-graph-common.js';
import { packOp, pickAxis, stridedSliceOp, type SliceEntry } from './tfjs-graph-shapes.js';

const ANY_T = { ...ANNOTATIONS, T: only('DT_FLOAT', 'DT_INT32', 'DT_INT64', 'DT_BOOL') } as const;
const INDEX_T = only('DT_INT32', 'DT_INT64');

/** x reshaped to `shape`; refused unless the first axis stays as it is (the IR's reshape keeps it). */
function reshapeTo(n: TfNode, ctx: TfContext, x: Node, shape: readonly Dim[]): Node {
  const from = x.type.shape;
  if (from.length === 0 || shape.length === 0 || shape[0] !== from[0])
    ctx.refuseNode(n, `nnc keeps the first (batch) axis in place; reshaping ${formatShape(from)} to ${formatShape(shape)} would move it`);
  if (from.length === shape.length && from.every((d, i) => d === shape[i])) return x;
  return ctx.b.op('reshape', [x], { shape: shape.slice(1) as number[] });
}

/** An axis of a rank-`rank` value (negative from the end); refused when out of range. */
function axisOf(n: TfNode, ctx: TfContext, what: string, axis: number, rank: number): number {
  if (axis < -rank || axis >= rank) ctx.refuseNode(n, `${what} ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/** The single integer of a constant operand (an axis). */
function scalarInt(n: TfNode, ctx: TfContext, ref: string | undefined): number {
  const v = constValues(n, ctx, ref);
  if (v.length !== 1) ctx.refuseNode(n, `operand '${ref}' must be one integer, got [${v.join(', ')}]`);
  return v[0]!;
}

const expandDims = op({ ...ANY_T, Tdim: INDEX_T }, (n, ctx) => {
  const [xRef, axisRef] = dataInputs(n);
  const x = ctx.operand(xRef);
  const shape = x.type.shape;
  const axis = axisOf(n, ctx, 'axis', scalarInt(n, ctx, axisRef), shape.length + 1);
  return reshapeTo(n, ctx, x, [...shape.slice(0, axis), 1, ...shape.slice(axis)]);
});

/** Squeeze the squeeze_dims axes (every size-1 axis when empty); each must have size 1. */
const squeeze = op({ ...ANY_T, squeeze_dims: integers([]) }, (n, ctx, a) => {
  const x = ctx.operand(dataInputs(n)[0]);
  const shape = x.type.shape;
  const axes = a.squeeze_dims.length === 0 ? [...shape.keys()].filter((i) => shape[i] === 1) : a.squeeze_dims.map((ax) => axisOf(n, ctx, 'squeeze_dims axis', ax, shape.length));
  for (const ax of axes) if (shape[ax] !== 1) ctx.refuse(n, 'squeeze_dims', a.squeeze_dims, `names axis ${ax} of size ${shape[ax] ?? 'batch'}, not 1`);
  return reshapeTo(n, ctx, x, shape.filter((_, i) => !axes.includes(i)));
});

const transpose = op({ ...ANY_T, Tperm: INDEX_T }, (n, ctx) => {
  const [xRef, permRef] = dataInputs(n);
  const x = ctx.operand(xRef);
  const perm = constValues(n, ctx, permRef);
  const rank = x.type.shape.length;
  if (perm.length !== rank || new Set(perm).size !== rank || perm.some((p) => p < 0 || p >= rank)) ctx.refuseNode(n, `perm [${perm.join(', ')}] is not a permutation of ${rank} axes`);
  if (x.type.shape[0] === null && perm[0] !== 0) ctx.refuseNode(n, `perm [${perm.join(', ')}] moves the batch axis (axis 0)`);
  return ctx.b.op('transpose', [x], { perm });
});

/** x narrowed to [begin, begin + size) along each axis; the batch axis only whole. */
function narrow(n: TfNode, ctx: TfContext, x: Node, ranges: readonly ({ begin: number; size: number } | undefined)[]): Node {
  let y = x;
  ranges.forEach((r, axis) => {
    const d = x.type.shape[axis]!;
    if (r === undefined || (r.begin === 0 && r.size === d)) return;
    if (d === null) ctx.refuseNode(n, 'slicing the batch axis (axis 0) is not supported');
    if (r.size <= 0) ctx.refuseNode(n, `axis ${axis} would be empty`);
    y = ctx.b.op('slice', [y], { axis, begin: r.begin, size: r.size });
  });
  return y;
}

/** Slice(x, begin, size) with constant begin and size (-1: to the end). */
const slice = op({ ...ANY_T, Index: INDEX_T }, (n, ctx) => {
  const [xRef, beginRef, sizeRef] = dataInputs(n);
  const x = ctx.operand(xRef);
  const shape = x.type.shape;
  const [begin, size] = [constValues(n, ctx, beginRef), constValues(n, ctx, sizeRef)];
  if (begin.length !== shape.length || size.length !== shape.length) ctx.refuseNode(n, `begin and size must have ${shape.length} entries`);
  return narrow(
    n,
    ctx,
    x,
    shape.map((d, i) => {
      if (d === null) return begin[i] === 0 && size[i] === -1 ? undefined : { begin: begin[i]!, size: size[i]! };
      const s = size[i] === -1 ? d - begin[i]! : size[i]!;
      if (begin[i]! < 0 || s < 0 || begin[i]! + s > d) ctx.refuseNode(n, `begin ${begin[i]} and size ${size[i]} do not fit axis ${i} of ${d}`);
      return { begin: begin[i]!, size: s };
    }),
  );
});

/** The largest int32: TensorFlow's "to the end" for a slice's end. */
const INT32_MAX = 2 ** 31 - 1;
/** A StridedSlice of a tensor: a `slice` per narrowed axis (contiguous indices only), then shrunk / new axes by reshape. */
function sliceTensor(n: TfNode, ctx: TfContext, x: Node, entries: SliceEntry[]): Node {
  const ranges: ({ begin: number; size: number } | undefined)[] = [];
  const shape: Dim[] = [];
  let axis = 0;
  for (const e of entries) {
    if (e.kind === 'new') {
      shape.push(1);
      continue;
    }
    const d = x.type.shape[axis++]!;
    if (d === null) {
      const whole = e.kind === 'whole' || (e.stride === 1 && !e.shrink && (e.beginMasked || e.begin === 0) && (e.endMasked || e.end >= INT32_MAX));
      if (!whole) ctx.refuseNode(n, 'slicing the batch axis (axis 0) is not supported');
      ranges.push(undefined);
      shape.push(null);
      continue;
    }
    const { indices, keep } = pickAxis(n, ctx, d, e);
    if (indices.length > 1 && Math.abs(indices[1]! - indices[0]!) !== 1) ctx.refuseNode(n, `stride ${e.kind === 'axis' ? e.stride : 1} on axis ${axis - 1} keeps every other index, which needs a gather`);
    if (indices.length > 1 && indices[1]! < indices[0]!) ctx.refuseNode(n, `a negative stride on axis ${axis - 1} reverses it, which needs a gather`);
    ranges.push({ begin: indices[0] ?? 0, size: indices.length });
    if (keep) shape.push(indices.length);
  }
  return reshapeTo(n, ctx, narrow(n, ctx, x, ranges), shape);
}

/** Pack of tensors of one shape: each given a size-1 axis at `axis`, then concatenated along it. */
function packTensors(n: TfNode, ctx: TfContext, given: number): Node {
  const parts = dataInputs(n).map((r) => ctx.operand(r));
  if (parts.length === 0) ctx.refuseNode(n, 'has no values to pack');
  const shape = parts[0]!.type.shape;
  if (parts.some((p) => formatShape(p.type.shape) !== formatShape(shape) || p.type.dtype !== parts[0]!.type.dtype)) ctx.refuseNode(n, 'the packed values must have one shape and type');
  const axis = axisOf(n, ctx, 'axis', given, shape.length + 1);
  const expanded = parts.map((p) => reshapeTo(n, ctx, p, [...shape.slice(0, axis), 1, ...shape.slice(axis)]));
  return expanded.length === 1 ? expanded[0]! : ctx.b.op('concat', expanded, { axis });
}

/** x split along `axis` into parts of `sizes` (the batch axis is not split). */
function splitAlong(n: TfNode, ctx: TfContext, x: Node, axis: number, sizes: number[]): Node[] {
  if (x.type.shape[axis] === null) ctx.refuseNode(n, 'splitting the batch axis (axis 0) is not supported');
  return sizes.length === 1 ? [ctx.b.op('identity', [x])] : ctx.b.multi('split', [x], { axis, sizes });
}

const unpack = op({ ...ANY_T, num: integer(), axis: integer(0) }, (n, ctx, a) => {
  const x = ctx.operand(dataInputs(n)[0]);
  const shape = x.type.shape;
  const axis = axisOf(n, ctx, 'axis', a.axis, shape.length);
  const d = shape[axis]!;
  if (d === null) ctx.refuseNode(n, 'unpacking the batch axis (axis 0) is not supported');
  if (a.num !== undefined && a.num !== d) ctx.refuse(n, 'num', a.num, `differs from the size ${d} of axis ${axis}`);
  const rest = shape.filter((_, i) => i !== axis);
  return splitAlong(n, ctx, x, axis, Array(d).fill(1)).map((p) => reshapeTo(n, ctx, p, rest));
});

/** Split(axis, x) into num_split equal parts. */
const split = op({ ...ANY_T, num_split: integer() }, (n, ctx, a) => {
  const [axisRef, xRef] = dataInputs(n);
  const x = ctx.operand(xRef);
  const axis = axisOf(n, ctx, 'axis', scalarInt(n, ctx, axisRef), x.type.shape.length);
  const d = x.type.shape[axis] ?? 0;
  const count = a.num_split ?? ctx.refuse(n, 'num_split', undefined, 'is needed');
  if (count < 1 || d % count !== 0) ctx.refuse(n, 'num_split', count, `does not divide axis ${axis} of size ${d}`);
  return splitAlong(n, ctx, x, axis, Array(count).fill(d / count));
});

/** SplitV(x, size_splits, axis): constant sizes, one of them -1 (the rest of the axis). */
const splitV = op({ ...ANY_T, Tlen: INDEX_T, num_split: ignored }, (n, ctx) => {
  const [xRef, sizesRef, axisRef] = dataInputs(n);
  const x = ctx.operand(xRef);
  const axis = axisOf(n, ctx, 'axis', scalarInt(n, ctx, axisRef), x.type.shape.length);
  const d = x.type.shape[axis] ?? 0;
  const given = constValues(n, ctx, sizesRef);
  const known = given.filter((s) => s !== -1).reduce((p, s) => p + s, 0);
  const sizes = given.map((s) => (s === -1 ? d - known : s));
  if (given.filter((s) => s === -1).length > 1 || sizes.some((s) => s < 0) || sizes.reduce((p, s) => p + s, 0) !== d)
    ctx.refuseNode(n, `size_splits [${given.join(', ')}] do not split axis ${axis} of size ${d}`);
  return splitAlong(n, ctx, x, axis, sizes);
});

/** Tile(x, multiples) with constant multiples: copies concatenated along each tiled axis (never the batch axis). */
const tile = op({ ...ANY_T, Tmultiples: INDEX_T }, (n, ctx) => {
  const [xRef, multiplesRef] = dataInputs(n);
  const x = ctx.operand(xRef);
  const multiples = constValues(n, ctx, multiplesRef);
  const shape = x.type.shape;
  if (multiples.length !== shape.length || multiples.some((m) => m < 1)) ctx.refuseNode(n, `multiples [${multiples.join(', ')}] must be ${shape.length} positive integers`);
  return multiples.reduce((y, m, axis) => {
    if (m === 1) return y;
    if (shape[axis] === null) ctx.refuseNode(n, `multiples [${multiples.join(', ')}] tile the batch axis (axis 0)`);
    return ctx.b.op('concat', Array(m).fill(y), { axis });
  }, x);
});

/** The numbers of a constant operand (int32 or float32 in the weights manifest). */
function constNumbers(n: TfNode, ctx: TfContext, ref: string | undefined): number[] {
  const known = ref === undefined ? undefined : ctx.known(ref);
  if (known) return constValues(n, ctx, ref);
  const c = ref === undefined ? undefined : ctx.consts.get(refName(ref));
  return c ? Array.from(c.data) : ctx.refuseNode(n, `operand '${ref}' must be a constant`);
}

/** A folded constant of `dtype`: int32 stays a known value (a later Reshape or Slice can read it). */
const folded = (ctx: TfContext, dtype: 'f32' | 'i32', shape: number[], values: number[]) => (dtype === 'i32' ? knownInts(shape, values) : ctx.b.constant(values, { dtype, shape }));

/** Fill(dims, value) of constants, folded. */
const fill = op({ ...ANNOTATIONS, T: only<TfDtype>('DT_FLOAT', 'DT_INT32', 'DT_INT64'), index_type: INDEX_T }, (n, ctx, a) => {
  const [dimsRef, valueRef] = dataInputs(n);
  const dims = constValues(n, ctx, dimsRef);
  const value = constNumbers(n, ctx, valueRef);
  if (value.length !== 1) ctx.refuseNode(n, `the value ('${valueRef}') must be a scalar`);
  return folded(ctx, TF_DTYPES[a.T] as 'f32' | 'i32', dims, Array(dims.reduce((p, d) => p * d, 1)).fill(value[0]));
});

/** Range(start, limit, delta) of constants, folded. */
const range = op({ ...ANNOTATIONS, Tidx: only<TfDtype>('DT_INT32', 'DT_INT64', 'DT_FLOAT') }, (n, ctx, a) => {
  const args = dataInputs(n).map((r) => constNumbers(n, ctx, r));
  if (args.length !== 3 || args.some((v) => v.length !== 1) || args[2]![0] === 0) ctx.refuseNode(n, 'needs constant scalar start, limit and a non-zero delta');
  const [start, limit, delta] = args.map((v) => v[0]!) as [number, number, number];
  const count = Math.max(0, Math.ceil((limit - start) / delta));
  const dtype = TF_DTYPES[a.Tidx] as 'f32' | 'i32';
  // Each element as TensorFlow computes it (start + i * delta), in float32 for a float range.
  const values = Array.from({ length: count }, (_, i) => (dtype === 'f32' ? Math.fround(start + i * delta) : start + i * delta));
  return folded(ctx, dtype, [count], values);
});

/**
 * GatherV2(params, indices, axis): the IR's gather (negative indices count from the end, as tf.gather
 * on the CPU backend reads them; int64 indices computed as int32). batch_dims other than 0 and a
 * gather along the batch axis are refused by name.
 */
const gatherV2 = op({ ...ANNOTATIONS, Tparams: only('DT_FLOAT', 'DT_INT32', 'DT_INT64', 'DT_BOOL'), Tindices: INDEX_T, Taxis: INDEX_T, batch_dims: integer(0) }, (n, ctx, a) => {
  if (a.batch_dims !== 0) ctx.refuse(n, 'batch_dims', a.batch_dims, 'is not supported (only 0)');
  const [paramsRef, indicesRef, axisRef] = dataInputs(n);
  const params = ctx.operand(paramsRef);
  const indices = ctx.operand(indicesRef);
  const axis = axisOf(n, ctx, 'axis', scalarInt(n, ctx, axisRef), params.type.shape.length);
  if (params.type.shape[axis] === null) ctx.refuseNode(n, `gathers along axis ${axis}, the batch axis, which nnc keeps whole`);
  return ctx.b.op('gather', [params, indices], { axis });
});

/** TensorFlow's shape and structure ops on tensors and the IR they become. */
export const TF_STRUCTURE_OPS: Readonly<Record<string, TfOp>> = {
  GatherV2: gatherV2,
  ExpandDims: expandDims,
  Squeeze: squeeze,
  Transpose: transpose,
  Slice: slice,
  StridedSlice: stridedSliceOp(sliceTensor),
  Pack: packOp(packTensors),
  Unpack: unpack,
  Split: split,
  SplitV: splitV,
  Tile: tile,
  Fill: fill,
  Range: range,
};
