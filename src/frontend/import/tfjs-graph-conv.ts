/**
 * TensorFlow's convolutional ops as IR: Conv2D / _FusedConv2D -> conv2d (+ add, activation),
 * DepthwiseConv2dNative / FusedDepthwiseConv2dNative -> depthwise_conv2d (+ add, activation),
 * MaxPool / AvgPool -> max_pool2d / avg_pool2d, Pad / PadV2 -> pad.
 * Layout is NHWC only (NCHW is refused by name). Window attrs are TensorFlow's 4-vectors
 * [1, h, w, 1]; a stride or window over the batch or channel axis is refused. EXPLICIT padding
 * becomes conv2d's own 'valid' or 'same' when it equals one of them, else zero `pad` ops in front
 * of a 'valid' conv2d: the same sums either way.
 */
import type { Node } from '../../ir/graph.js';
import { windowAxis } from '../../ir/ops/window-geometry.js';
import { ignored, integers, number, only, strings } from './attributes.js';
import { FLOAT_T, constValues, dataInputs, fusedOps, op, refName, type TfContext, type TfNode } from './tfjs-graph-common.js';
import { spaceToBatchMisfit } from './tfjs-graph-dilated.js';
import { activation, unsupportedEpilogue } from './tfjs-graph-epilogue.js';

const NHWC = { data_format: only('NHWC') } as const;
const WINDOW = { ...FLOAT_T, ...NHWC, strides: integers([1, 1, 1, 1]) } as const;
const CONV_ATTRS = {
  ...WINDOW,
  padding: only('VALID', 'SAME', 'EXPLICIT'),
  explicit_paddings: integers([]),
  dilations: integers([1, 1, 1, 1]),
  // A placement hint for GPUs: no effect on the result.
  use_cudnn_on_gpu: ignored,
} as const;

/** (h, w) of a TensorFlow NHWC 4-vector [1, h, w, 1] of positive integers; refuses anything else. */
function spatialPair(n: TfNode, ctx: TfContext, attr: string, v: readonly number[]): [number, number] {
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1 || !(v[1]! >= 1 && v[2]! >= 1))
    ctx.refuse(n, attr, v, 'must be [1, height, width, 1] with positive height and width (nnc does not window the batch or channel axis)');
  return [v[1]!, v[2]!];
}

/** Pads (before, after) along each spatial axis of x [n, h, w, c] from explicit_paddings (8 numbers, NHWC pairs). */
function explicitPads(n: TfNode, ctx: TfContext, v: readonly number[]): [[number, number], [number, number]] {
  if (v.length !== 8 || v.some((p) => p < 0) || v[0] !== 0 || v[1] !== 0 || v[6] !== 0 || v[7] !== 0)
    ctx.refuse(n, 'explicit_paddings', v, 'must be 8 non-negative numbers (before / after for N, H, W, C) with no padding of the batch or channel axis');
  return [
    [v[2]!, v[3]!],
    [v[4]!, v[5]!],
  ];
}

/** Zeros around x [n, h, w, c] along its spatial axes: one IR pad per padded axis. */
function padSpatial(ctx: TfContext, x: Node, pads: readonly (readonly [number, number])[]): Node {
  return pads.reduce((y, [before, after], i) => (before === 0 && after === 0 ? y : ctx.b.op('pad', [y], { axis: i + 1, before, after })), x);
}

/**
 * The conv2d padding for TensorFlow's `padding` over x: VALID and SAME as they are; EXPLICIT as
 * 'valid' when all zero, as 'same' when it equals what SAME pads for this window (TensorFlow's
 * before = floor(total / 2), the odd cell after), else as pads in front of a 'valid' conv2d.
 */
function convPadding(n: TfNode, ctx: TfContext, x: Node, a: { padding: string; explicit_paddings: number[] }, spans: [number, number], strides: [number, number]): { x: Node; padding: 'valid' | 'same' } {
  if (a.padding !== 'EXPLICIT') {
    if (a.explicit_paddings.length > 0) ctx.refuse(n, 'explicit_paddings', a.explicit_paddings, `is only read with padding EXPLICIT, not ${a.padding}`);
    return { x, padding: a.padding === 'SAME' ? 'same' : 'valid' };
  }
  const pads = explicitPads(n, ctx, a.explicit_paddings);
  if (pads.every(([p, q]) => p === 0 && q === 0)) return { x, padding: 'valid' };
  const sizes = x.type.shape.slice(1, 3);
  const samePads = sizes.map((size, i) => {
    if (size === null || size === undefined) return undefined;
    const { out, before } = windowAxis(size, spans[i]!, strides[i]!, 'same', n.op);
    return [before, Math.max((out - 1) * strides[i]! + spans[i]! - size, 0) - before];
  });
  if (pads.every((p, i) => samePads[i]?.[0] === p[0] && samePads[i]?.[1] === p[1])) return { x, padding: 'same' };
  return { x: padSpatial(ctx, x, pads), padding: 'valid' };
}

/** The IR convolution a TensorFlow convolution becomes, with its filter's layout in words. */
const CONV_KINDS = {
  conv2d: 'in channels, filters',
  depthwise_conv2d: 'in channels, multiplier',
} as const;

/**
 * Conv2D's product x [n, h, w, c] ⊛ filter [kh, kw, c, f], or DepthwiseConv2dNative's with filter
 * [kh, kw, c, m]: TensorFlow's filter layouts are conv2d's and depthwise_conv2d's.
 */
function convolution(n: TfNode, ctx: TfContext, a: { strides: number[]; dilations: number[]; padding: string; explicit_paddings: number[] }, irOp: keyof typeof CONV_KINDS = 'conv2d'): Node {
  const [xRef, wRef] = dataInputs(n);
  const x = ctx.operand(xRef!);
  const w = ctx.operand(wRef!);
  if (w.type.shape.length !== 4) ctx.refuseNode(n, `the filter must be [height, width, ${CONV_KINDS[irOp]}], got rank ${w.type.shape.length}`);
  if (x.type.shape.length !== 4) ctx.refuseNode(n, `the input must be NHWC [batch, height, width, channels], got rank ${x.type.shape.length}`);
  const strides = spatialPair(n, ctx, 'strides', a.strides);
  const dilations = spatialPair(n, ctx, 'dilations', a.dilations);
  const [kh, kw] = w.type.shape as number[];
  const spans: [number, number] = [(kh! - 1) * dilations[0] + 1, (kw! - 1) * dilations[1] + 1];
  const pattern = ctx.dilatedFrom.get(n.name);
  const misfit = pattern && spaceToBatchMisfit(x.type.shape, pattern);
  if (misfit) ctx.refuseNode(n, misfit);
  const padded = convPadding(n, ctx, x, a, spans, strides);
  return ctx.b.op(irOp, [padded.x, w], { strides, dilations, padding: padded.padding });
}

export const conv2dOp = op(CONV_ATTRS, (n, ctx, a) => convolution(n, ctx, a));
export const depthwiseConv2dOp = op(CONV_ATTRS, (n, ctx, a) => convolution(n, ctx, a, 'depthwise_conv2d'));

const FUSED_CONV_ATTRS = {
  ...CONV_ATTRS,
  fused_ops: strings([]),
  // The operands say how many fused arguments there are; TArgs is their dtypes (float32, as T).
  num_args: ignored,
  TArgs: ignored,
  // Used only by a FusedBatchNorm epilogue, which is refused.
  epsilon: ignored,
  leakyrelu_alpha: number(0.2),
} as const;

/** A convolution + BiasAdd (+ an activation) as grappler fuses them: the convolution, add, activation. */
const fusedConvolution = (irOp: keyof typeof CONV_KINDS, epilogues: readonly string[]) =>
  op(
    FUSED_CONV_ATTRS,
    (n, ctx, a) => {
      const bias = dataInputs(n)[2] ?? ctx.refuseNode(n, 'BiasAdd needs a bias operand');
      const [, act] = a.fused_ops;
      const y = ctx.b.op('add', [convolution(n, ctx, a, irOp), ctx.operand(bias)]);
      return act === undefined ? y : activation(ctx.b, y, act, a.leakyrelu_alpha);
    },
    (attrs) => unsupportedEpilogue(fusedOps(attrs), epilogues, true),
  );

/** The activations tfjs runs after a fused convolution's bias (tfjs-core's fused conv2d). */
export const fusedConv2dOp = fusedConvolution('conv2d', ['Relu', 'Relu6', 'Elu', 'LeakyRelu', 'Sigmoid']);
/** The forms grappler writes for Keras' DepthwiseConv2D on CPU (bias, then relu or relu6). */
export const fusedDepthwiseConv2dOp = fusedConvolution('depthwise_conv2d', ['Relu', 'Relu6']);

const POOL_ATTRS = { ...WINDOW, ksize: integers([1, 1, 1, 1]), padding: only('VALID', 'SAME') } as const;

/** MaxPool / AvgPool: TensorFlow's windows (padded cells never read: max skips them, mean divides by the real ones). */
const pooling = (irOp: string, extra = {}) =>
  op({ ...POOL_ATTRS, ...extra }, (n, ctx, a) => {
    const pool = spatialPair(n, ctx, 'ksize', a.ksize);
    const strides = spatialPair(n, ctx, 'strides', a.strides);
    return ctx.b.op(irOp, [ctx.operand(dataInputs(n)[0]!)], { pool, strides, padding: a.padding === 'SAME' ? 'same' : 'valid' });
  });

// MaxPool may say EXPLICIT (padding with -inf); nnc reads only its empty explicit_paddings.
export const maxPoolOp = pooling('max_pool2d', { explicit_paddings: only([]) });
export const avgPoolOp = pooling('avg_pool2d');

/** Pad / PadV2 with zeros: paddings [rank, 2] from a constant, the batch axis unpadded. */
// Tpaddings / Tidx may say int64: tensorflowjs_converter stores such constants as int32, read exactly.
export const padOp = op({ ...FLOAT_T, Tpaddings: only('DT_INT32', 'DT_INT64') }, (n, ctx) => {
  const [xRef, paddingsRef, valueRef] = dataInputs(n);
  const x = ctx.operand(xRef!);
  const rank = x.type.shape.length;
  const p = constValues(n, ctx, paddingsRef!);
  if (p.length !== rank * 2 || p.some((v) => v < 0)) ctx.refuseNode(n, `paddings must be [${rank}, 2] non-negative numbers, got [${p.join(', ')}]`);
  if (valueRef !== undefined) {
    const c = ctx.consts.get(refName(valueRef));
    if (!c || c.data.length !== 1 || c.data[0] !== 0) ctx.refuseNode(n, `constant_values '${valueRef}' must be the constant 0 (nnc pads with zeros)`);
  }
  let y = x;
  for (let axis = 0; axis < rank; axis++) {
    const [before, after] = [p[axis * 2]!, p[axis * 2 + 1]!];
    if (before === 0 && after === 0) continue;
    if (x.type.shape[axis] === null) ctx.refuseNode(n, 'padding the batch axis is not supported');
    y = ctx.b.op('pad', [y], { axis, before, after });
  }
  return y;
});
