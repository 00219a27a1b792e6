/**
 * Shape computations folded at import: Keras' Flatten writes `Reshape(x, Pack([StridedSlice(
 * Shape(x), [0], [1], [1], shrink), -1]))`. Shape, StridedSlice and Pack on int32 values known at
 * import give known int32 values (exact integers, or the batch size where Shape read the batch
 * axis); Reshape then reads its target shape from them. Nothing here emits IR. int64 shape values
 * are read as the int32 tensorflowjs_converter stores them (exact: sizes fit).
 */
import { ignored, integer, only } from './attributes.js';
import { ANNOTATIONS, BATCH, constValues, dataInputs, knownInts, op, type KnownInts, type TfNode, type TfContext } from './tfjs-graph-common.js';

/** Shape(x): x's static sizes, the batch axis as the batch size. */
export const shapeOp = op({ ...ANNOTATIONS, T: ignored, out_type: only('DT_INT32', 'DT_INT64') }, (n, ctx) => {
  const shape = ctx.operand(dataInputs(n)[0]!).type.shape;
  return knownInts([shape.length], shape.map((d) => d ?? BATCH));
});

/** Pack (tf.stack) of known int32 tensors of one shape along `axis`. */
export const packOp = op({ ...ANNOTATIONS, T: only('DT_INT32', 'DT_INT64'), N: ignored, axis: integer(0) }, (n, ctx, a) => {
  const parts = dataInputs(n).map((r) => ctx.ints(n, r));
  const shape = parts[0]!.shape;
  if (parts.some((p) => p.shape.join() !== shape.join())) ctx.refuseNode(n, 'the packed values must have one shape');
  const axis = a.axis < 0 ? a.axis + shape.length + 1 : a.axis;
  if (axis < 0 || axis > shape.length) ctx.refuse(n, 'axis', a.axis, `is out of range for values of rank ${shape.length}`);
  // Entries before `axis` are the outer index, after it the inner one; the new axis sits between.
  const inner = shape.slice(axis).reduce((p, d) => p * d, 1);
  const outer = parts[0]!.values.length / inner;
  const values: KnownInts['values'][number][] = [];
  for (let o = 0; o < outer; o++) for (const p of parts) values.push(...p.values.slice(o * inner, (o + 1) * inner));
  return knownInts([...shape.slice(0, axis), parts.length, ...shape.slice(axis)], values);
});

const MASKS = { begin_mask: integer(0), end_mask: integer(0), ellipsis_mask: integer(0), new_axis_mask: integer(0), shrink_axis_mask: integer(0) } as const;
type Masks = { readonly [K in keyof typeof MASKS]: number };

/** StridedSlice of a known int32 tensor with constant begin / end / strides and every mask. */
export const stridedSliceOp = op({ ...ANNOTATIONS, T: only('DT_INT32', 'DT_INT64'), Index: only('DT_INT32', 'DT_INT64'), ...MASKS }, (n, ctx, a) => {
  const [x, begin, end, strides] = dataInputs(n);
  const input = ctx.ints(n, x!);
  const spec = { begin: constValues(n, ctx, begin!), end: constValues(n, ctx, end!), strides: constValues(n, ctx, strides!) };
  return stridedSlice(n, ctx, input, spec, a);
});

/** What the slice does at one output position: a new size-1 axis, or one input axis' kept indices (dropped when shrunk). */
type AxisPick = { readonly kind: 'new' } | { readonly kind: 'axis'; readonly indices: number[]; readonly keep: boolean };

/**
 * TensorFlow's StridedSlice semantics (tensorflow/core/util/strided_slice_op.cc): the sparse spec
 * (one entry per begin element; an ellipsis covers the axes no entry names, a new axis adds a
 * size-1 axis) made dense over the input's axes, each axis' begin / end clamped, masked or shrunk.
 */
function stridedSlice(n: TfNode, ctx: TfContext, input: KnownInts, spec: { begin: number[]; end: number[]; strides: number[] }, m: Masks): KnownInts {
  const count = spec.begin.length;
  if (spec.end.length !== count || spec.strides.length !== count) ctx.refuseNode(n, 'begin, end and strides must have one length');
  const bit = (mask: number, i: number) => ((mask >> i) & 1) === 1;
  const rank = input.shape.length;
  if ([...Array(count).keys()].filter((i) => bit(m.ellipsis_mask, i)).length > 1) ctx.refuse(n, 'ellipsis_mask', m.ellipsis_mask, 'may have one bit set');
  // The input axes the spec names one by one; an ellipsis stands for all the others.
  const named = [...Array(count).keys()].filter((i) => !bit(m.ellipsis_mask, i) && !bit(m.new_axis_mask, i)).length;
  const picks: AxisPick[] = [];
  let axis = 0;
  const whole = (): AxisPick => ({ kind: 'axis', indices: [...Array(input.shape[axis++]!).keys()], keep: true });
  for (let i = 0; i < count; i++) {
    if (bit(m.ellipsis_mask, i)) for (let k = 0, covered = rank - named; k < covered; k++) picks.push(whole());
    else if (bit(m.new_axis_mask, i)) picks.push({ kind: 'new' });
    else {
      if (axis >= rank) ctx.refuseNode(n, `the slice names more axes than the value's ${rank}`);
      const d = input.shape[axis++]!;
      picks.push(pickAxis(n, ctx, d, spec.begin[i]!, spec.end[i]!, spec.strides[i]!, bit(m.begin_mask, i), bit(m.end_mask, i), bit(m.shrink_axis_mask, i)));
    }
  }
  // Without an ellipsis the axes after the spec are kept whole, as if one ended it.
  while (axis < rank) picks.push(whole());
  // Gather the kept index of every input axis, row-major.
  const strides = input.shape.map((_, i) => input.shape.slice(i + 1).reduce((p, d) => p * d, 1));
  let offsets = [0];
  let inputAxis = 0;
  for (const p of picks) {
    if (p.kind === 'new') continue;
    const stride = strides[inputAxis++]!;
    offsets = offsets.flatMap((o) => p.indices.map((j) => o + j * stride));
  }
  const shape = picks.flatMap((p) => (p.kind === 'new' ? [1] : p.keep ? [p.indices.length] : []));
  return knownInts(shape, offsets.map((o) => input.values[o]!));
}

function pickAxis(n: TfNode, ctx: TfContext, d: number, begin: number, end: number, stride: number, beginMasked: boolean, endMasked: boolean, shrink: boolean): AxisPick {
  if (stride === 0) ctx.refuseNode(n, 'a stride of 0 is invalid');
  if (shrink) {
    const i = begin < 0 ? begin + d : begin;
    if (i < 0 || i >= d) ctx.refuseNode(n, `index ${begin} is out of range for an axis of ${d}`);
    return { kind: 'axis', indices: [i], keep: false };
  }
  // Clamped as TensorFlow does: into [0, d] going forward, [-1, d - 1] going backward.
  const [lo, hi] = stride > 0 ? [0, d] : [-1, d - 1];
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
  const from = beginMasked ? (stride > 0 ? lo : hi) : clamp(begin);
  const to = endMasked ? (stride > 0 ? hi : lo) : clamp(end);
  const indices: number[] = [];
  for (let i = from; stride > 0 ? i < to : i > to; i += stride) indices.push(i);
  return { kind: 'axis', indices, keep: true };
}
