/**
 * ONNX's image ops (NCHW) as nnc IR, whose conv and pooling ops are channels-last (NHWC): each op
 * is transpose -> NHWC op -> transpose, and the layout pass cancels the transposes between
 * neighbours. Padding ONNX states explicitly (pads, SAME_LOWER, ceil_mode's extra cells) becomes
 * explicit `pad` nodes where the IR's 'valid' / 'same' cannot say it: zeros for convolutions and
 * averages that count padded cells, -inf (zeros plus a constant -inf border, exact) for max
 * pooling. What cannot be computed exactly is refused by name.
 */
import type { GraphBuilder } from '../../ir/builder.js';
import type { Node } from '../../ir/graph.js';
import { isPermutation } from '../../ir/ops/transpose.js';
import { integer, integers, number, only, string, type AttrTable, type AttrValues } from './attributes.js';
import type { OnnxContext, OnnxNode, OnnxOp } from './onnx.js';

const op = <T extends AttrTable>(attrs: T, build: (n: OnnxNode, ctx: OnnxContext, a: AttrValues<T>) => Node | readonly Node[]): OnnxOp => ({
  attrs,
  build: build as OnnxOp['build'],
});

const NCHW_TO_NHWC = [0, 2, 3, 1];
const NHWC_TO_NCHW = [0, 3, 1, 2];

/** Cells of padding before and after x along one spatial axis. */
interface Sides {
  before: number;
  after: number;
}

/** The window attributes ONNX's Conv, MaxPool and AveragePool share. */
const WINDOW = { auto_pad: only('NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'), pads: integers(), strides: integers(), kernel_shape: integers() } as const;

/** A 4-D NCHW operand with known C, H and W; anything else is refused by name. */
function imageOperand(n: OnnxNode, ctx: OnnxContext): Node {
  const x = ctx.operand(n.input[0]!);
  const shape = x.type.shape;
  if (shape.length !== 4 || shape.slice(1).some((d) => d === null))
    ctx.refuseNode(n, `takes a 4-D NCHW input with known channels, height and width (2 spatial axes), got [${shape.map((d) => d ?? '?').join(', ')}]`);
  return x;
}

/** A pair attribute for the two spatial axes (default `fallback`), refused by name unless it has two entries. */
function spatialPair(n: OnnxNode, ctx: OnnxContext, name: string, value: readonly number[] | undefined, fallback: number): [number, number] {
  const v = value ?? [fallback, fallback];
  if (v.length !== 2 || v.some((d) => !Number.isInteger(d) || d < 1)) ctx.refuse(n, name, v, 'must hold two positive integers (2 spatial axes)');
  return [v[0]!, v[1]!];
}

/** SAME_UPPER / SAME_LOWER padding of one axis: ceil(size / stride) outputs, the odd cell after (upper) or before (lower). */
function samePads(size: number, span: number, stride: number, lower: boolean): Sides {
  const total = Math.max(0, (Math.ceil(size / stride) - 1) * stride + span - size);
  const small = Math.floor(total / 2);
  return lower ? { before: total - small, after: small } : { before: small, after: total - small };
}

/** The padding of each spatial axis an op's auto_pad and pads say. */
function windowPads(n: OnnxNode, ctx: OnnxContext, a: AttrValues<typeof WINDOW>, size: [number, number], span: [number, number], strides: [number, number]): [Sides, Sides] {
  if (a.auto_pad === 'SAME_UPPER' || a.auto_pad === 'SAME_LOWER') {
    const lower = a.auto_pad === 'SAME_LOWER';
    return [0, 1].map((i) => samePads(size[i]!, span[i]!, strides[i]!, lower)) as [Sides, Sides];
  }
  const pads = a.auto_pad === 'VALID' ? [0, 0, 0, 0] : (a.pads ?? [0, 0, 0, 0]);
  if (pads.length !== 4 || pads.some((p) => p < 0)) ctx.refuse(n, 'pads', pads, 'must hold four non-negative integers [top, left, bottom, right]');
  return [
    { before: pads[0]!, after: pads[2]! },
    { before: pads[1]!, after: pads[3]! },
  ];
}

const noPadding = (pads: readonly Sides[]) => pads.every((p) => p.before === 0 && p.after === 0);
/** Whether the pads are the IR's 'same' (SAME_UPPER's). */
const isIrSame = (pads: readonly Sides[], size: [number, number], span: [number, number], strides: [number, number]) =>
  pads.every((p, i) => {
    const same = samePads(size[i]!, span[i]!, strides[i]!, false);
    return p.before === same.before && p.after === same.after;
  });

/** Zero-pads the spatial axes 1 and 2 of an NHWC value. */
function padSpatial(b: GraphBuilder, x: Node, pads: readonly Sides[]): Node {
  return pads.reduce((y, p, i) => (p.before + p.after === 0 ? y : b.op('pad', [y], { axis: i + 1, before: p.before, after: p.after })), x);
}

/**
 * Pads the spatial axes of an NHWC value with `fill` (exactly: zeros, plus a constant that is
 * `fill` on the border and 0 inside, so x + 0 = x and 0 + fill = fill).
 */
function padSpatialWith(n: OnnxNode, ctx: OnnxContext, x: Node, pads: readonly Sides[], fill: number): Node {
  const padded = padSpatial(ctx.b, x, pads);
  if (fill === 0 || noPadding(pads)) return padded;
  const [h, w] = [padded.type.shape[1] as number, padded.type.shape[2] as number];
  const [top, left] = [pads[0]!.before, pads[1]!.before];
  const [inH, inW] = [x.type.shape[1] as number, x.type.shape[2] as number];
  const border = ctx.derivedWeight(`${n.name || n.output[0]}/pad_${fill}`, [h, w, 1], () =>
    Float32Array.from({ length: h * w }, (_, k) => {
      const [r, c] = [Math.floor(k / w), k % w];
      return r >= top && r < top + inH && c >= left && c < left + inW ? 0 : fill;
    }),
  );
  return ctx.b.op('add', [padded, border]);
}

const toNhwc = (b: GraphBuilder, x: Node) => b.op('transpose', [x], { perm: NCHW_TO_NHWC });
const toNchw = (b: GraphBuilder, x: Node) => b.op('transpose', [x], { perm: NHWC_TO_NCHW });

/**
 * Conv over two spatial axes: W [O, I, kh, kw] becomes the IR's [kh, kw, I, O] kernel by a
 * transpose (folded at compile time), the optional bias B [O] is added per channel. group 1 only:
 * group = channels is a depthwise convolution, which is a different op.
 */
const conv = op({ ...WINDOW, dilations: integers(), group: integer(1) }, (n, ctx, a) => {
  const { b } = ctx;
  const x = imageOperand(n, ctx);
  const w = ctx.operand(n.input[1]!);
  const channels = x.type.shape[1] as number;
  if (a.group !== 1)
    ctx.refuse(n, 'group', a.group, a.group === channels ? 'equals the input channels: a depthwise convolution, which nnc does not import yet' : 'is not supported (only 1)');
  if (w.type.shape.length !== 4 || w.type.shape.includes(null) || w.type.shape[1] !== channels)
    ctx.refuseNode(n, `W must be [out, ${channels}, kh, kw] without a batch axis, got [${w.type.shape.map((d) => d ?? '?').join(', ')}]`);
  const kernel: [number, number] = [w.type.shape[2] as number, w.type.shape[3] as number];
  if (a.kernel_shape && (a.kernel_shape.length !== 2 || a.kernel_shape.some((k, i) => k !== kernel[i])))
    ctx.refuse(n, 'kernel_shape', a.kernel_shape, `does not match W's [${kernel.join(', ')}]`);
  const strides = spatialPair(n, ctx, 'strides', a.strides, 1);
  const dilations = spatialPair(n, ctx, 'dilations', a.dilations, 1);
  const size: [number, number] = [x.type.shape[2] as number, x.type.shape[3] as number];
  const span: [number, number] = [(kernel[0] - 1) * dilations[0] + 1, (kernel[1] - 1) * dilations[1] + 1];
  const pads = windowPads(n, ctx, a, size, span, strides);
  const same = !noPadding(pads) && isIrSame(pads, size, span, strides);
  const nhwc = toNhwc(b, x);
  const input = same ? nhwc : padSpatial(b, nhwc, pads);
  let y = b.op('conv2d', [input, b.op('transpose', [w], { perm: [2, 3, 1, 0] })], { strides, dilations, padding: same ? 'same' : 'valid' });
  if (n.input[2]) y = b.op('add', [y, ctx.operand(n.input[2])]);
  return toNchw(b, y);
});

const POOL = { ...WINDOW, ceil_mode: integer(0) } as const;

/**
 * Extra cells after x that make floor-mode windows count as ceil_mode's: ONNX adds an output
 * where a partial window remains, unless that window would start in the padding after x.
 */
function ceilExtra(size: number, pads: Sides, span: number, stride: number): number {
  const padded = size + pads.before + pads.after;
  if (padded < span) return 0;
  let out = Math.ceil((padded - span) / stride) + 1;
  if ((out - 1) * stride >= size + pads.before) out--;
  return Math.max(0, (out - 1) * stride + span - padded);
}

/** The common part of MaxPool and AveragePool: NHWC input, window, strides and padding. */
function poolWindow(n: OnnxNode, ctx: OnnxContext, a: AttrValues<typeof POOL>) {
  const x = imageOperand(n, ctx);
  if (!a.kernel_shape) ctx.refuseNode(n, 'kernel_shape is required');
  const pool = spatialPair(n, ctx, 'kernel_shape', a.kernel_shape, 1);
  const strides = spatialPair(n, ctx, 'strides', a.strides, 1);
  const size: [number, number] = [x.type.shape[2] as number, x.type.shape[3] as number];
  const pads = windowPads(n, ctx, a, size, pool, strides);
  if (a.ceil_mode !== 0 && a.ceil_mode !== 1) ctx.refuse(n, 'ceil_mode', a.ceil_mode, 'must be 0 or 1');
  const extra = a.ceil_mode === 1 ? [0, 1].map((i) => ceilExtra(size[i]!, pads[i]!, pool[i]!, strides[i]!)) : [0, 0];
  return { x, pool, strides, size, pads, extra };
}

/** MaxPool: padded cells are -inf (never the max). dilations other than 1 and the Indices output are refused. */
const maxPool = op({ ...POOL, dilations: integers(), storage_order: only(0) }, (n, ctx, a) => {
  const { b } = ctx;
  if (a.dilations && a.dilations.some((d) => d !== 1)) ctx.refuse(n, 'dilations', a.dilations, 'is not supported (only 1: the IR has no dilated max pooling)');
  const { x, pool, strides, size, pads, extra } = poolWindow(n, ctx, a);
  const all = pads.map((p, i) => ({ before: p.before, after: p.after + extra[i]! }));
  const nhwc = toNhwc(b, x);
  const attrs = { pool, strides };
  if (noPadding(all)) return toNchw(b, b.op('max_pool2d', [nhwc], { ...attrs, padding: 'valid' }));
  if (isIrSame(all, size, pool, strides)) return toNchw(b, b.op('max_pool2d', [nhwc], { ...attrs, padding: 'same' }));
  return toNchw(b, b.op('max_pool2d', [padSpatialWith(n, ctx, nhwc, all, -Infinity)], { ...attrs, padding: 'valid' }));
});

/**
 * AveragePool: with count_include_pad, padded zeros count (an explicit pad, then whole windows);
 * without it, only SAME_UPPER's padding (the IR's 'same', which counts real cells) is expressible.
 * ceil_mode is honoured where it adds no window.
 */
const averagePool = op({ ...POOL, count_include_pad: integer(0) }, (n, ctx, a) => {
  const { b } = ctx;
  const { x, pool, strides, size, pads, extra } = poolWindow(n, ctx, a);
  if (extra.some((e) => e > 0)) ctx.refuse(n, 'ceil_mode', a.ceil_mode, 'adds a partial window here, whose divisor nnc does not compute');
  const nhwc = toNhwc(b, x);
  const attrs = { pool, strides };
  if (noPadding(pads)) return toNchw(b, b.op('avg_pool2d', [nhwc], { ...attrs, padding: 'valid' }));
  if (a.count_include_pad !== 0) return toNchw(b, b.op('avg_pool2d', [padSpatial(b, nhwc, pads)], { ...attrs, padding: 'valid' }));
  if (isIrSame(pads, size, pool, strides)) return toNchw(b, b.op('avg_pool2d', [nhwc], { ...attrs, padding: 'same' }));
  return ctx.refuse(n, 'pads', pads.flatMap((p) => [p.before, p.after]), 'with count_include_pad 0 are supported only as SAME_UPPER padding');
});

/** GlobalAveragePool / GlobalMaxPool: a reduction over every spatial axis, kept as 1s. */
const globalPool = (irOp: 'reduce_mean' | 'reduce_max') =>
  op({}, (n, ctx) => {
    const x = ctx.operand(n.input[0]!);
    const rank = x.type.shape.length;
    if (rank < 3) ctx.refuseNode(n, `takes an input [N, C, spatial...] of rank 3 or more, got rank ${rank}`);
    return ctx.b.op(irOp, [x], { axes: Array.from({ length: rank - 2 }, (_, i) => i + 2), keepdims: true });
  });

/** Transpose: `perm` (default: the axes reversed). */
const transpose = op({ perm: integers() }, (n, ctx, a) => {
  const x = ctx.operand(n.input[0]!);
  const rank = x.type.shape.length;
  const perm = a.perm ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (!isPermutation(perm, rank)) ctx.refuse(n, 'perm', perm, `is not a permutation of the ${rank} axes`);
  return ctx.b.op('transpose', [x], { perm });
});

/**
 * Pad: pads (attribute before opset 11, an initializer input since, optionally for the `axes`
 * input's axes), constant_value (value attribute before 11), mode constant / reflect / edge.
 * Each padded axis is built exactly: zeros plus a constant border for a constant other than 0;
 * edge and reflect are concatenations of one-cell slices. Negative pads crop (a slice).
 */
const pad = op({ mode: string('constant'), pads: integers(), value: number(0) }, (n, ctx, a) => {
  const { b } = ctx;
  let x = ctx.operand(n.input[0]!);
  const rank = x.type.shape.length;
  const constant = (name: string | undefined, what: string) => (name ? Array.from(ctx.constants.get(name)?.data ?? ctx.refuseNode(n, `${what} ('${name}') must be an initializer`)) : undefined);
  const given = ctx.opset < 11 ? a.pads : constant(n.input[1], 'pads');
  if (!given) return ctx.refuseNode(n, 'has no pads');
  const value = ctx.opset < 11 ? a.value : (constant(n.input[2], 'constant_value')?.[0] ?? 0);
  const axes = (constant(n.input[3], 'axes') ?? Array.from({ length: rank }, (_, i) => i)).map((ax) => (ax < 0 ? ax + rank : ax));
  if (given.length !== 2 * axes.length) ctx.refuse(n, 'pads', given, `must hold ${2 * axes.length} entries (begin and end of each padded axis)`);
  if (!['constant', 'reflect', 'edge'].includes(a.mode)) ctx.refuse(n, 'mode', a.mode, 'is not supported (constant, reflect or edge)');
  axes.forEach((axis, k) => {
    const [before, after] = [given[k]!, given[k + axes.length]!];
    if (before === 0 && after === 0) return;
    const extent = x.type.shape[axis];
    if (extent === null || extent === undefined) ctx.refuse(n, 'pads', given, `pad the batch axis ${axis}, which nnc does not do`);
    x = padAxis(n, ctx, x, axis, before, after, a.mode, value);
  });
  return x;
});

/** One axis of Pad. */
function padAxis(n: OnnxNode, ctx: OnnxContext, x: Node, axis: number, before: number, after: number, mode: string, value: number): Node {
  const { b } = ctx;
  const extent = x.type.shape[axis] as number;
  // Negative pads crop first; what remains is padded by the positive parts.
  const [cropB, cropA] = [Math.max(0, -before), Math.max(0, -after)];
  if (cropB + cropA >= extent) ctx.refuseNode(n, `pads crop all ${extent} cells of axis ${axis}`);
  let y = cropB + cropA > 0 ? b.op('slice', [x], { axis, begin: cropB, size: extent - cropB - cropA }) : x;
  const [pb, pa] = [Math.max(0, before), Math.max(0, after)];
  if (pb + pa === 0) return y;
  const size = y.type.shape[axis] as number;
  if (mode === 'constant') {
    const padded = b.op('pad', [y], { axis, before: pb, after: pa });
    if (value === 0) return padded;
    const shape = padded.type.shape.slice(axis).map((d) => d as number);
    const inner = shape.slice(1).reduce((p, d) => p * d, 1);
    const border = ctx.derivedWeight(`${n.name || n.output[0]}/pad_axis${axis}`, shape, () =>
      Float32Array.from({ length: shape[0]! * inner }, (_, i) => {
        const at = Math.floor(i / inner);
        return at >= pb && at < pb + size ? 0 : value;
      }),
    );
    return b.op('add', [padded, border]);
  }
  if (mode === 'reflect' && (pb >= size || pa >= size)) ctx.refuseNode(n, `reflect pads of ${Math.max(pb, pa)} need more than ${size} cells on axis ${axis}`);
  const cell = (i: number) => b.op('slice', [y], { axis, begin: i, size: 1 });
  const head = Array.from({ length: pb }, (_, k) => cell(mode === 'edge' ? 0 : pb - k));
  const tail = Array.from({ length: pa }, (_, k) => cell(mode === 'edge' ? size - 1 : size - 2 - k));
  y = b.op('concat', [...head, y, ...tail], { axis });
  return y;
}

export const ONNX_CNN_OPS: Readonly<Record<string, OnnxOp>> = {
  Transpose: transpose,
  Conv: conv,
  MaxPool: maxPool,
  AveragePool: averagePool,
  GlobalAveragePool: globalPool('reduce_mean'),
  GlobalMaxPool: globalPool('reduce_max'),
  Pad: pad,
};
