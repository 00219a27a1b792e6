/**
 * ONNX's convolutions (NCHW, 1 or 2 spatial axes) as nnc IR, whose conv ops are channels-last
 * (NHWC): each op is transpose -> NHWC op -> transpose, and the layout pass cancels the
 * transposes between neighbours (onnx-window.ts; pooling is onnx-pool.ts). Padding the IR's
 * 'valid' / 'same' cannot say becomes an explicit zero `pad`. Also BatchNormalization, Transpose
 * and Pad. What cannot be computed exactly is refused by name.
 */
import type { Node } from '../../ir/graph.js';
import { formatShape } from '../../ir/types.js';
import { isPermutation } from '../../ir/ops/transpose.js';
import { throughAxisLast } from '../layers/data-format.js';
import { grouped } from '../layers/grouped.js';
import { ignored, integer, integers, number, only, string, type AttrValues } from './attributes.js';
import type { OnnxContext, OnnxNode, OnnxOp } from './onnx.js';
import { op } from './onnx-op.js';
import { constIntegers, constValues } from './onnx-known.js';
import { ONNX_POOL_OPS } from './onnx-pool.js';
import { ONNX_RESIZE_OPS } from './onnx-resize.js';
import { explicitPads, image, isIrSame, noPadding, padSpatial, spatialPair, splitPads, toNchw, toNhwc, windowPads, WINDOW, type Sides } from './onnx-window.js';

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

/** Cells a kernel spans per axis: (k − 1) · dilation + 1. */
const dilatedSpan = (kernel: [number, number], dilations: [number, number]): [number, number] => [(kernel[0] - 1) * dilations[0] + 1, (kernel[1] - 1) * dilations[1] + 1];

/** The group count of a Conv or ConvTranspose: a divisor of the input channels and of `outChannels`. */
function groupsOf(n: OnnxNode, ctx: OnnxContext, group: number, channels: number, outChannels: number): number {
  if (!Number.isInteger(group) || group < 1 || channels % group !== 0 || outChannels % group !== 0)
    ctx.refuse(n, 'group', group, `must divide the ${channels} input channels and the ${outChannels} output channels`);
  return group;
}

/**
 * Conv over one or two spatial axes: W [O, I, kh, kw] becomes the IR's [kh, kw, I, O] kernel by a
 * transpose (folded at compile time), the optional bias B [O] is added per channel. group =
 * the input channels C (depthwise): W [C·m, 1, kh, kw], output channel o reading input channel
 * floor(o / m), which is depthwise_conv2d's order ch·m + q, so the transposed kernel
 * [kh, kw, 1, C·m] is reshaped to [kh, kw, C, m]. Other groups g (ResNeXt's): W [O, C/g, kh, kw],
 * one conv2d per group (`grouped`).
 */
const conv = op(CONV, (n, ctx, raw) => {
  const { b } = ctx;
  const { x, a, weight, result } = image(n, ctx, raw);
  const w = weight(1);
  const channels = x.type.shape[1] as number;
  const depthwise = a.group !== 1 && a.group === channels;
  const kernel = depthwise
    ? kernelOf(n, ctx, w, a.kernel_shape, `[${channels}·multiplier, 1, kh, kw] (group ${channels})`, { second: 1 })
    : kernelOf(n, ctx, w, a.kernel_shape, `[out, ${channels / a.group}, kh, kw]${a.group === 1 ? '' : ` (group ${a.group})`}`, { second: channels % a.group === 0 ? channels / a.group : undefined });
  const outChannels = w.type.shape[0] as number;
  const groups = groupsOf(n, ctx, a.group, channels, outChannels);
  const strides = spatialPair(n, ctx, 'strides', a.strides, 1);
  const dilations = spatialPair(n, ctx, 'dilations', a.dilations, 1);
  const size: [number, number] = [x.type.shape[2] as number, x.type.shape[3] as number];
  const span = dilatedSpan(kernel, dilations);
  const pads = windowPads(n, ctx, a, size, span, strides);
  const same = !noPadding(pads) && isIrSame(pads, size, span, strides);
  const nhwc = toNhwc(b, x);
  const input = same ? nhwc : padSpatial(b, nhwc, pads);
  const attrs = { strides, dilations, padding: same ? 'same' : 'valid' };
  const hwio = b.op('transpose', [w], { perm: [2, 3, 1, 0] });
  let y = depthwise
    ? b.op('depthwise_conv2d', [input, b.op('reshape', [hwio], { shape: [kernel[1], channels, outChannels / channels] })], attrs)
    : grouped(b, groups, input, hwio, 3, (xj, wj) => b.op('conv2d', [xj, wj], attrs));
  if (n.input[2]) y = b.op('add', [y, ctx.operand(n.input[2])]);
  return result(toNchw(b, y));
});

const CONV_TRANSPOSE = { ...CONV, output_padding: integers(), output_shape: integers() } as const;

/**
 * ConvTranspose's crop of the full result, per ONNX's rule: output_shape (or, for auto_pad SAME_*,
 * stride · size) fixes the total, whatever `pads` says, split with the odd cell after for
 * SAME_UPPER and before otherwise; else `pads` as given.
 */
function transposePads(n: OnnxNode, ctx: OnnxContext, a: AttrValues<typeof CONV_TRANSPOSE>, raw: AttrValues<typeof CONV_TRANSPOSE>, size: number[], strides: number[], full: number[]): Sides[] {
  const sameAuto = a.auto_pad === 'SAME_UPPER' || a.auto_pad === 'SAME_LOWER';
  const target = a.output_shape ?? (sameAuto ? size.map((s, i) => s * strides[i]!) : undefined);
  if (!target) return explicitPads(n, ctx, a);
  const totals = full.map((f, i) => f - target[i]!);
  if (totals.some((t) => t < 0)) {
    // ONNX's padding would be negative, which its rule does not split unambiguously.
    if (a.output_shape) ctx.refuse(n, 'output_shape', raw.output_shape, `is larger than the full result [${full.join(', ')}] (use output_padding for trailing cells)`);
    ctx.refuse(n, 'auto_pad', a.auto_pad, `needs the dilated kernel plus output_padding at least as large as strides [${strides.join(', ')}] on each axis`);
  }
  return totals.map((t) => splitPads(t, a.auto_pad !== 'SAME_UPPER'));
}

/**
 * ConvTranspose: X [N, Cin, H, W] and W [Cin, Cout, kh, kw] are conv2d's dy and kernel (with
 * group g, W [Cin, Cout/g, kh, kw] and one such op per group, `grouped`),
 * so the full result, stride·(size − 1) + (k − 1)·dilation + 1 + output_padding per axis, is
 * conv2d_grad_input with the kernel W transposed to [kh, kw, Cout, Cin]: output_padding < stride
 * trailing cells leave conv2d's output count (size) unchanged, so they come out as the zeros-fed
 * sums onnxruntime gives. Then the pads (transposePads) crop it.
 */
const convTranspose = op(CONV_TRANSPOSE, (n, ctx, raw) => {
  const { b } = ctx;
  const { x, a, weight, result } = image(n, ctx, raw);
  const w = weight(1);
  const channels = x.type.shape[1] as number;
  const kernel = kernelOf(n, ctx, w, a.kernel_shape, `[${channels}, out/group, kh, kw]`, { first: channels });
  const groups = groupsOf(n, ctx, a.group, channels, (w.type.shape[1] as number) * a.group);
  const strides = spatialPair(n, ctx, 'strides', a.strides, 1);
  const dilations = spatialPair(n, ctx, 'dilations', a.dilations, 1);
  const adjust = spatialPair(n, ctx, 'output_padding', a.output_padding, 0, 0);
  // onnxruntime fails at run time on output_padding ≥ stride (the input size is not recovered).
  if (adjust.some((p, i) => p >= strides[i]!)) ctx.refuse(n, 'output_padding', raw.output_padding, `must be less than strides [${raw.strides?.join(', ') ?? strides.join(', ')}] on each axis`);
  if (a.output_shape?.some((d) => d < 1)) ctx.refuse(n, 'output_shape', raw.output_shape, 'must hold positive integers');
  const size = [x.type.shape[2] as number, x.type.shape[3] as number];
  const span = dilatedSpan(kernel, dilations);
  const full: [number, number] = [0, 1].map((i) => strides[i]! * (size[i]! - 1) + span[i]! + adjust[i]!) as [number, number];
  const pads = transposePads(n, ctx, a, raw, size, strides, full);
  const out = full.map((f, i) => f - pads[i]!.before - pads[i]!.after);
  if (out.some((d) => d < 1)) ctx.refuse(n, 'pads', raw.pads, `crop all of the [${full.join(', ')}] result`);
  const hwoi = b.op('transpose', [w], { perm: [2, 3, 1, 0] });
  // The conv whose input gradient this is reads `out` cells padded by pads.before and, after
  // them, pads.after − output_padding. Where that is the IR's 'same' (DCGAN's kernel 4, stride 2,
  // pads 1), the op computes the cropped result itself: no slice stands between it and a
  // following batch norm, which then folds into its kernel.
  const convPads = pads.map((p, i) => ({ before: p.before, after: p.after - adjust[i]! }));
  const same = isIrSame(convPads, out as [number, number], span, strides);
  const transposed = (xj: Node, wj: Node) => {
    if (same) return b.op('conv2d_grad_input', [xj, wj], { strides, dilations, padding: 'same', size: out });
    const whole = b.op('conv2d_grad_input', [xj, wj], { strides, dilations, padding: 'valid', size: full });
    return pads.reduce((v, p, i) => (p.before + p.after === 0 ? v : b.op('slice', [v], { axis: i + 1, begin: p.before, size: out[i]! })), whole);
  };
  // Group j reads input channels j·C/g.. (the kernel's axis 3, [kh, kw, O/g, C]).
  const y = grouped(b, groups, toNhwc(b, x), hwoi, 3, transposed);
  return result(toNchw(b, n.input[2] ? b.op('add', [y, ctx.operand(n.input[2])]) : y));
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
  return throughAxisLast(b, x, 1, (last) => b.op('batch_norm', [last, mean, variance, scale, bias], { epsilon: a.epsilon }));
});

/** Transpose: `perm` (default: the axes reversed). */
const transpose = op({ perm: integers() }, (n, ctx, a) => {
  const x = ctx.operand(n.input[0]!);
  const rank = x.type.shape.length;
  const perm = a.perm ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (!isPermutation(perm, rank)) ctx.refuse(n, 'perm', perm, `is not a permutation of the ${rank} axes`);
  if (x.type.shape[0] === null && perm[0] !== 0) ctx.refuse(n, 'perm', perm, `moves the batch axis of ${formatShape(x.type.shape)} from first, which nnc does not do`);
  return ctx.b.op('transpose', [x], { perm });
});

/**
 * Pad: pads (attribute before opset 11, an initializer input since, optionally for the `axes`
 * input's axes), constant_value (value attribute before 11), mode constant / reflect / edge.
 * Each padded axis is built exactly: zeros plus a constant border for a constant other than 0;
 * edge and reflect are concatenations of one-cell slices. Negative pads crop (a slice).
 */
const pad = op({ mode: string('constant'), pads: integers(), value: number(0) }, (n, ctx, a) => {
  let x = ctx.operand(n.input[0]!);
  const rank = x.type.shape.length;
  const constant = (name: string | undefined, what: string) => (name ? constValues(n, ctx, name, what) : undefined);
  const given = ctx.opset < 11 ? a.pads : n.input[1] ? constIntegers(n, ctx, n.input[1], 'pads') : undefined;
  if (!given) return ctx.refuseNode(n, 'has no pads');
  const value = ctx.opset < 11 ? a.value : (constant(n.input[2], 'constant_value')?.[0] ?? 0);
  const axes = ((n.input[3] ? constIntegers(n, ctx, n.input[3], 'axes') : undefined) ?? Array.from({ length: rank }, (_, i) => i)).map((ax) => (ax < 0 ? ax + rank : ax));
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
    if (y.type.dtype !== 'f32') ctx.refuseNode(n, `a constant_value of ${value} for a ${y.type.dtype} value is not supported (only 0)`);
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
  ...ONNX_POOL_OPS,
  ...ONNX_RESIZE_OPS,
  Pad: pad,
};
