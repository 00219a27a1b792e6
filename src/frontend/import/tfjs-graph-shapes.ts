/**
 * Shape computations folded at import: Keras' Flatten writes `Reshape(x, Pack([StridedSlice(
 * Shape(x), [0], [1], [1], shrink), -1]))`. Shape, StridedSlice and Pack on int32 values known at
 * import give known int32 values (exact integers, or the batch size where Shape read the batch
 * axis); Reshape then reads its target shape from them. StridedSlice and Pack of other values are
 * handed to tfjs-graph-structure.ts, which emits IR; StridedSlice's sparse spec is made dense here
 * for both. int64 shape values are read as the int32 tensorflowjs_converter stores them (exact:
 * sizes fit).
 */
import type { Node } from '../../ir/graph.js';
import { ignored, integer, only } from './attributes.js';
import { ANNOTATIONS, BATCH, constValues, dataInputs, knownInts, op, type KnownInts, type TfNode, type TfContext } from './tfjs-graph-common.js';

/** Shape(x): x's static sizes, the batch axis as the batch size. */
export const shapeOp = op({ ...ANNOTATIONS, T: ignored, out_type: only('DT_INT32', 'DT_INT64') }, (n, ctx) => {
  const shape = ctx.operand(dataInputs(n)[0]!).type.shape;
  return knownInts([shape.length], shape.map((d) => d ?? BATCH));
});

/**
 * Pack (tf.stack) along `axis`: folded when every value is a known int32 tensor, else stacked as
 * tensors by `packTensors`.
 */
export const packOp = (packTensors: (n: TfNode, ctx: TfContext, axis: number) => Node) =>
  op({ ...ANNOTATIONS, T: only('DT_INT32', 'DT_INT64', 'DT_FLOAT', 'DT_BOOL'), N: ignored, axis: integer(0) }, (n, ctx, a) => {
    const parts = dataInputs(n).map((r) => ctx.known(r));
    return parts.every((p) => p !== undefined) && parts.length > 0 ? foldPack(n, ctx, parts, a.axis) : packTensors(n, ctx, a.axis);
  });

function foldPack(n: TfNode, ctx: TfContext, parts: KnownInts[], given: number): KnownInts {
  const shape = parts[0]!.shape;
  if (parts.some((p) => p.shape.join() !== shape.join())) ctx.refuseNode(n, 'the packed values must have one shape');
  const axis = given < 0 ? given + shape.length + 1 : given;
  if (axis < 0 || axis > shape.length) ctx.refuse(n, 'axis', given, `is out of range for values of rank ${shape.length}`);
  // Entries before `axis` are the outer index, after it the inner one; the new axis sits between.
  const inner = shape.slice(axis).reduce((p, d) => p * d, 1);
  const outer = parts[0]!.values.length / inner;
  const values: KnownInts['values'][number][] = [];
  for (let o = 0; o < outer; o++) for (const p of parts) values.push(...p.values.slice(o * inner, (o + 1) * inner));
  return knownInts([...shape.slice(0, axis), parts.length, ...shape.slice(axis)], values);
}

const MASKS = { begin_mask: integer(0), end_mask: integer(0), ellipsis_mask: integer(0), new_axis_mask: integer(0), shrink_axis_mask: integer(0) } as const;
type Masks = { readonly [K in keyof typeof MASKS]: number };
export interface SliceSpec {
  readonly begin: number[];
  readonly end: number[];
  readonly strides: number[];
}

/**
 * StridedSlice with constant begin / end / strides and every mask: folded when it slices a known
 * int32 tensor (a shape computation), else sliced as a tensor by `sliceTensor`.
 */
export const stridedSliceOp = (sliceTensor: (n: TfNode, ctx: TfContext, x: Node, entries: SliceEntry[]) => Node) =>
  op({ ...ANNOTATIONS, T: only('DT_INT32', 'DT_INT64', 'DT_FLOAT', 'DT_BOOL'), Index: only('DT_INT32', 'DT_INT64'), ...MASKS }, (n, ctx, a) => {
    const [x, begin, end, strides] = dataInputs(n);
    const spec = { begin: constValues(n, ctx, begin), end: constValues(n, ctx, end), strides: constValues(n, ctx, strides) };
    const input = x === undefined ? undefined : ctx.known(x);
    if (input) return foldSlice(n, ctx, input, denseSlice(n, ctx, input.shape.length, spec, a));
    const tensor = ctx.operand(x);
    return sliceTensor(n, ctx, tensor, denseSlice(n, ctx, tensor.type.shape.length, spec, a));
  });

/** One output position of a slice: a new size-1 axis, or the next input axis (whole, or as the spec says). */
export type SliceEntry =
  | { readonly kind: 'new' }
  | { readonly kind: 'whole' }
  | { readonly kind: 'axis'; readonly begin: number; readonly end: number; readonly stride: number; readonly beginMasked: boolean; readonly endMasked: boolean; readonly shrink: boolean };

/**
 * TensorFlow's StridedSlice semantics (tensorflow/core/util/strided_slice_op.cc): the sparse spec
 * (one entry per begin element; an ellipsis covers the axes no entry names, a new axis adds a
 * size-1 axis) made dense over the input's `rank` axes.
 */
function denseSlice(n: TfNode, ctx: TfContext, rank: number, spec: SliceSpec, m: Masks): SliceEntry[] {
  const count = spec.begin.length;
  if (spec.end.length !== count || spec.strides.length !== count) ctx.refuseNode(n, 'begin, end and strides must have one length');
  const bit = (mask: number, i: number) => ((mask >> i) & 1) === 1;
  if ([...Array(count).keys()].filter((i) => bit(m.ellipsis_mask, i)).length > 1) ctx.refuse(n, 'ellipsis_mask', m.ellipsis_mask, 'may have one bit set');
  // The input axes the spec names one by one; an ellipsis stands for all the others.
  const named = [...Array(count).keys()].filter((i) => !bit(m.ellipsis_mask, i) && !bit(m.new_axis_mask, i)).length;
  const entries: SliceEntry[] = [];
  let axis = 0;
  for (let i = 0; i < count; i++) {
    if (bit(m.ellipsis_mask, i)) for (let k = 0, covered = rank - named; k < covered; k++, axis++) entries.push({ kind: 'whole' });
    else if (bit(m.new_axis_mask, i)) entries.push({ kind: 'new' });
    else {
      if (axis++ >= rank) ctx.refuseNode(n, `the slice names more axes than the value's ${rank}`);
      if (spec.strides[i] === 0) ctx.refuseNode(n, 'a stride of 0 is invalid');
      entries.push({ kind: 'axis', begin: spec.begin[i]!, end: spec.end[i]!, stride: spec.strides[i]!, beginMasked: bit(m.begin_mask, i), endMasked: bit(m.end_mask, i), shrink: bit(m.shrink_axis_mask, i) });
    }
  }
  // Without an ellipsis the axes after the spec are kept whole, as if one ended it.
  for (; axis < rank; axis++) entries.push({ kind: 'whole' });
  return entries;
}

/** The indices an axis entry keeps of an axis of `d`, and whether the axis stays (not shrunk). */
export function pickAxis(n: TfNode, ctx: TfContext, d: number, e: Exclude<SliceEntry, { kind: 'new' }>): { indices: number[]; keep: boolean } {
  if (e.kind === 'whole') return { indices: [...Array(d).keys()], keep: true };
  const { begin, end, stride } = e;
  if (e.shrink) {
    const i = begin < 0 ? begin + d : begin;
    if (i < 0 || i >= d) ctx.refuseNode(n, `index ${begin} is out of range for an axis of ${d}`);
    return { indices: [i], keep: false };
  }
  // Clamped as TensorFlow does: into [0, d] going forward, [-1, d - 1] going backward.
  const [lo, hi] = stride > 0 ? [0, d] : [-1, d - 1];
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
  const from = e.beginMasked ? (stride > 0 ? lo : hi) : clamp(begin);
  const to = e.endMasked ? (stride > 0 ? hi : lo) : clamp(end);
  const indices: number[] = [];
  for (let i = from; stride > 0 ? i < to : i > to; i += stride) indices.push(i);
  return { indices, keep: true };
}

/** The slice of a known int32 tensor: the kept index of every input axis, row-major. */
function foldSlice(n: TfNode, ctx: TfContext, input: KnownInts, entries: SliceEntry[]): KnownInts {
  const strides = input.shape.map((_, i) => input.shape.slice(i + 1).reduce((p, d) => p * d, 1));
  let offsets = [0];
  let inputAxis = 0;
  const shape: number[] = [];
  for (const e of entries) {
    if (e.kind === 'new') {
      shape.push(1);
      continue;
    }
    const p = pickAxis(n, ctx, input.shape[inputAxis]!, e);
    const stride = strides[inputAxis++]!;
    offsets = offsets.flatMap((o) => p.indices.map((j) => o + j * stride));
    if (p.keep) shape.push(p.indices.length);
  }
  return knownInts(shape, offsets.map((o) => input.values[o]!));
}
