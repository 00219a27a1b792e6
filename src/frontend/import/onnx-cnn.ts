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
import { inversePerm, isPermutation } from '../../ir/ops/transpose.js';
import { ignored, integer, integers, number, only, string, type AttrTable, type AttrValues } from './attributes.js';
import type { OnnxContext, OnnxNode, OnnxOp } from './onnx.js';
import { op } from './onnx-op.js';

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
  return splitPads(Math.max(0, (Math.ceil(size / stride) - 1) * stride + span - size), lower);
}

/** `total` cells of padding split in two, the odd one after (upper) or before (lower). */
function splitPads(total: number, lower: boolean): Sides {
  const small = Math.floor(total / 2);
  return lower ? { before: total - small, after: small } : { before: small, after: total - small };
}

/** The padding of each spatial axis an op's auto_pad and pads say. */
function windowPads(n: OnnxNode, ctx: OnnxContext, a: AttrValues<typeof WINDOW>, size: [number, number], span: [number, number], strides: [number, number]): [Sides, Sides] {
  if (a.auto_pad === 'SAME_UPPER' || a.auto_pad === 'SAME_LOWER') {
    const lower = a.auto_pad === 'SAME_LOWER';
    return [0, 1].map((i) => samePads(size[i]!, span[i]!, strides[i]!, lower)) as [Sides, Sides];
  }
  return explicitPads(n, ctx, a);
}

/** The padding `pads` states (none for auto_pad VALID). */
function explicitPads(n: OnnxNode, ctx: OnnxContext, a: AttrValues<typeof WINDOW>): [Sides, Sides] {
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

/** W, a 4-D kernel [a, b, kh, kw] of known shape with the stated axis 0 and 1 extents (`layout` says them in words); its [kh, kw]. */
function kernelOf(n: OnnxNode, ctx: OnnxContext, w: Node, kernelShape: readonly number[] | undefined, layout: string, axes: { first?: number; second?: number }): [number, number] {
  const shape = w.type.shape;
  if (shape.length !== 4 || shape.includes(null) || (axes.first !== undefined && shape[0] !== axes.first) || (axes.second !== undefined && shape[1] !== axes.second))
    ctx.refuseNode(n, `W must be ${layout} without a batch axis, got [${shape.map((d) => d ?? '?').join(', ')}]`);
  const kernel: [number, number] = [shape[2] as number, shape[3] as number];
  if (kernelShape && (kernelShape.length !== 2 || kernelShape.some((k, i) => k !== kernel[i])))
    ctx.refuse(n, 'kernel_shape', kernelShape, `does not match W's [${kernel.join(', ')}]`);
  return kernel;
}

const CONV = { ...WINDOW, dilations: integers(), group: integer(1) } as const;

/**
 * Conv over two spatial axes: W [O, I, kh, kw] becomes the IR's [kh, kw, I, O] kernel by a
 * transpose (folded at compile time), the optional bias B [O] is added per channel. group 1, or
 * group = the input channels C (depthwise): W [C·m, 1, kh, kw], output channel o reading input
 * channel floor(o / m), which is depthwise_conv2d's order ch·m + q, so the transposed kernel
 * [kh, kw, 1, C·m] is reshaped to [kh, kw, C, m]. Other groups are refused.
 */
const conv = op(CONV, (n, ctx, a) => {
  const { b } = ctx;
  const x = imageOperand(n, ctx);
  const w = ctx.operand(n.input[1]!);
  const channels = x.type.shape[1] as number;
  const depthwise = a.group !== 1 && a.group === channels;
  if (a.group !== 1 && !depthwise) ctx.refuse(n, 'group', a.group, `is not supported (only 1, or ${channels}, the input channels: a depthwise convolution)`);
  const kernel = depthwise
    ? kernelOf(n, ctx, w, a.kernel_shape, `[${channels}·multiplier, 1, kh, kw] (group ${channels})`, { second: 1 })
    : kernelOf(n, ctx, w, a.kernel_shape, `[out, ${channels}, kh, kw]`, { second: channels });
  const outChannels = w.type.shape[0] as number;
  if (depthwise && outChannels % channels !== 0) ctx.refuseNode(n, `W's ${outChannels} output channels are not a multiple of the ${channels} groups`);
  const strides = spatialPair(n, ctx, 'strides', a.strides, 1);
  const dilations = spatialPair(n, ctx, 'dilations', a.dilations, 1);
  const size: [number, number] = [x.type.shape[2] as number, x.type.shape[3] as number];
  const span: [number, number] = [(kernel[0] - 1) * dilations[0] + 1, (kernel[1] - 1) * dilations[1] + 1];
  const pads = windowPads(n, ctx, a, size, span, strides);
  const same = !noPadding(pads) && isIrSame(pads, size, span, strides);
  const nhwc = toNhwc(b, x);
  const input = same ? nhwc : padSpatial(b, nhwc, pads);
  const attrs = { strides, dilations, padding: same ? 'same' : 'valid' };
  const hwio = b.op('transpose', [w], { perm: [2, 3, 1, 0] });
  let y = depthwise
    ? b.op('depthwise_conv2d', [input, b.op('reshape', [hwio], { shape: [kernel[1], channels, outChannels / channels] })], attrs)
    : b.op('conv2d', [input, hwio], attrs);
  if (n.input[2]) y = b.op('add', [y, ctx.operand(n.input[2])]);
  return toNchw(b, y);
});

/**
 * ConvTranspose (group 1, dilations 1, no output_padding): X [N, Cin, H, W] and W [Cin, Cout, kh, kw]
 * are conv2d's dy and kernel, so the full result (stride·(size − 1) + k per axis) is
 * conv2d_grad_input with the kernel W transposed to [kh, kw, Cout, Cin], and pads (explicit, or
 * split by auto_pad SAME_* as ONNX states) crop it. output_shape is honoured only where it is the
 * shape this gives.
 */
const convTranspose = op({ ...CONV, output_padding: integers(), output_shape: integers() }, (n, ctx, a) => {
  const { b } = ctx;
  const x = imageOperand(n, ctx);
  const w = ctx.operand(n.input[1]!);
  const channels = x.type.shape[1] as number;
  if (a.group !== 1) ctx.refuse(n, 'group', a.group, 'is not supported (only 1)');
  const kernel = kernelOf(n, ctx, w, a.kernel_shape, `[${channels}, out, kh, kw]`, { first: channels });
  const strides = spatialPair(n, ctx, 'strides', a.strides, 1);
  if (spatialPair(n, ctx, 'dilations', a.dilations, 1).some((d) => d !== 1)) ctx.refuse(n, 'dilations', a.dilations, 'is not supported (only 1)');
  if (a.output_padding?.some((p) => p !== 0)) ctx.refuse(n, 'output_padding', a.output_padding, 'is not supported (only 0)');
  const size = [x.type.shape[2] as number, x.type.shape[3] as number];
  const full: [number, number] = [0, 1].map((i) => strides[i]! * (size[i]! - 1) + kernel[i]!) as [number, number];
  const sameAuto = a.auto_pad === 'SAME_UPPER' || a.auto_pad === 'SAME_LOWER';
  // SAME_* makes stride · size outputs, cropping the excess; a kernel smaller than the stride leaves none to crop.
  if (sameAuto && full.some((f, i) => f < size[i]! * strides[i]!)) ctx.refuse(n, 'auto_pad', a.auto_pad, `needs kernel_shape [${kernel.join(', ')}] at least as large as strides [${strides.join(', ')}]`);
  const pads: Sides[] = sameAuto ? full.map((f, i) => splitPads(f - size[i]! * strides[i]!, a.auto_pad === 'SAME_LOWER')) : explicitPads(n, ctx, a);
  const out = full.map((f, i) => f - pads[i]!.before - pads[i]!.after);
  if (out.some((d) => d < 1)) ctx.refuse(n, 'pads', a.pads, `crop all of the [${full.join(', ')}] result`);
  if (a.output_shape && (a.output_shape.length !== 2 || a.output_shape.some((d, i) => d !== out[i])))
    ctx.refuse(n, 'output_shape', a.output_shape, `is supported only where it is the shape the pads give, [${out.join(', ')}]`);
  const hwoi = b.op('transpose', [w], { perm: [2, 3, 1, 0] });
  let y = b.op('conv2d_grad_input', [toNhwc(b, x), hwoi], { strides, padding: 'valid', size: full });
  y = pads.reduce((v, p, i) => (p.before + p.after === 0 ? v : b.op('slice', [v], { axis: i + 1, begin: p.before, size: out[i]! })), y);
  if (n.input[2]) y = b.op('add', [y, ctx.operand(n.input[2])]);
  return toNchw(b, y);
});

/**
 * BatchNormalization at inference (opsets 7-15): Y = (X − mean) · scale / sqrt(var + epsilon) + B
 * over the channel axis 1, which the IR's batch_norm (last axis) reaches between transposes.
 * momentum only moves running statistics in training; spatial 0 (per-element statistics, before
 * opset 9), training_mode 1 and a read training output (running or saved statistics) are refused.
 */
const batchNormalization = op({ epsilon: number(1e-5), momentum: ignored, spatial: only(1), training_mode: only(0) }, (n, ctx, a) => {
  const { b } = ctx;
  const x = ctx.operand(n.input[0]!);
  const rank = x.type.shape.length;
  const channels = x.type.shape[1];
  if (rank < 2 || channels === null || channels === undefined) ctx.refuseNode(n, `takes an input [N, C, ...] with known channels, got rank ${rank}`);
  n.output.slice(1).forEach((name, k) => {
    if (ctx.isRead(name)) ctx.refuseNode(n, `output ${k + 1} ('${name}') is a training output (running or saved statistics), which nnc does not compute at inference`);
  });
  const [scale, bias, mean, variance] = ['scale', 'B', 'input_mean', 'input_var'].map((what, k) => {
    const v = ctx.operand(n.input[k + 1]!);
    if (v.type.shape.length !== 1 || v.type.shape[0] !== channels) ctx.refuseNode(n, `${what} must be [${channels}] (one per channel), got [${v.type.shape.map((d) => d ?? '?').join(', ')}]`);
    return v;
  }) as [Node, Node, Node, Node];
  const toLast = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
  const last = rank === 2 ? x : b.op('transpose', [x], { perm: toLast });
  const y = b.op('batch_norm', [last, mean, variance, scale, bias], { epsilon: a.epsilon });
  return rank === 2 ? y : b.op('transpose', [y], { perm: inversePerm(toLast) });
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
  ConvTranspose: convTranspose,
  BatchNormalization: batchNormalization,
  MaxPool: maxPool,
  AveragePool: averagePool,
  GlobalAveragePool: globalPool('reduce_mean'),
  GlobalMaxPool: globalPool('reduce_max'),
  Pad: pad,
};
