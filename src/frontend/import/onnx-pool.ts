/**
 * ONNX's pooling ops (NCHW, 1 or 2 spatial axes) as the IR's channels-last max_pool2d /
 * avg_pool2d between transposes. Padding the IR's 'valid' / 'same' cannot say, and ceil_mode's
 * partial windows, become an explicit pad: -inf cells for max pooling; zeros for average pooling,
 * whose whole-window mean is then rescaled per output position to onnxruntime's divisor (a
 * constant computed here), so no new kernel is needed.
 */
import type { Node } from '../../ir/graph.js';
import { integer, integers, only, type AttrValues } from './attributes.js';
import type { OnnxContext, OnnxNode, OnnxOp } from './onnx.js';
import { op } from './onnx-op.js';
import { image, isIrSame, noPadding, padSpatial, padSpatialWith, spatialPair, toNchw, toNhwc, windowPads, WINDOW, type Sides } from './onnx-window.js';

const POOL = { ...WINDOW, ceil_mode: integer(0), dilations: integers() } as const;

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

/**
 * The common part of MaxPool and AveragePool: the NHWC input, window, strides and padding, and
 * `extra`, ceil_mode's cells after the padding (which no divisor counts). dilations other than 1
 * are refused: the IR has no dilated pooling.
 */
function poolWindow(n: OnnxNode, ctx: OnnxContext, raw: AttrValues<typeof POOL>) {
  const { x, a, result } = image(n, ctx, raw);
  if (!a.kernel_shape) ctx.refuseNode(n, 'kernel_shape is required');
  const pool = spatialPair(n, ctx, 'kernel_shape', a.kernel_shape, 1);
  const strides = spatialPair(n, ctx, 'strides', a.strides, 1);
  if (spatialPair(n, ctx, 'dilations', a.dilations, 1).some((d) => d !== 1)) ctx.refuse(n, 'dilations', raw.dilations, 'is not supported (only 1: the IR has no dilated pooling)');
  const size: [number, number] = [x.type.shape[2] as number, x.type.shape[3] as number];
  const pads = windowPads(n, ctx, a, size, pool, strides);
  if (a.ceil_mode !== 0 && a.ceil_mode !== 1) ctx.refuse(n, 'ceil_mode', a.ceil_mode, 'must be 0 or 1');
  const extra = a.ceil_mode === 1 ? [0, 1].map((i) => ceilExtra(size[i]!, pads[i]!, pool[i]!, strides[i]!)) : [0, 0];
  const all = pads.map((p, i) => ({ before: p.before, after: p.after + extra[i]! }));
  const nhwc = toNhwc(ctx.b, x);
  return { nhwc, pool, strides, size, pads, extra, all, done: (y: Node) => result(toNchw(ctx.b, y)) };
}

/** MaxPool: padded cells (pads and ceil_mode's) are -inf, never the max. The Indices output is refused. */
const maxPool = op({ ...POOL, storage_order: only(0) }, (n, ctx, a) => {
  const { b } = ctx;
  const { nhwc, pool, strides, size, all, done } = poolWindow(n, ctx, a);
  const attrs = { pool, strides };
  if (noPadding(all)) return done(b.op('max_pool2d', [nhwc], { ...attrs, padding: 'valid' }));
  if (isIrSame(all, size, pool, strides)) return done(b.op('max_pool2d', [nhwc], { ...attrs, padding: 'same' }));
  return done(b.op('max_pool2d', [padSpatialWith(n, ctx, nhwc, all, -Infinity)], { ...attrs, padding: 'valid' }));
});

/**
 * The cells onnxruntime divides each window's sum by along one axis, per output: those of the
 * window inside x, or with count_include_pad inside x and its pads (never ceil_mode's extra cells).
 */
function windowCounts(outputs: number, size: number, pads: Sides, span: number, stride: number, includePad: boolean): number[] {
  const [lo, hi] = includePad ? [-pads.before, size + pads.after] : [0, size];
  return Array.from({ length: outputs }, (_, o) => {
    const start = o * stride - pads.before;
    return Math.max(0, Math.min(start + span, hi) - Math.max(start, lo));
  });
}

/**
 * AveragePool: without padding, or with SAME_UPPER's not counted (the IR's 'same', which averages
 * real cells), avg_pool2d as is. Otherwise the mean of whole windows over x padded with zeros
 * (pads and ceil_mode's cells), times area / count per output position, the count being
 * onnxruntime's divisor (windowCounts); a window with no cell to count is refused.
 */
const averagePool = op({ ...POOL, count_include_pad: integer(0) }, (n, ctx, a) => {
  const { b } = ctx;
  const { nhwc, pool, strides, size, pads, extra, all, done } = poolWindow(n, ctx, a);
  const attrs = { pool, strides };
  if (noPadding(all)) return done(b.op('avg_pool2d', [nhwc], { ...attrs, padding: 'valid' }));
  if (a.count_include_pad === 0 && extra.every((e) => e === 0) && isIrSame(pads, size, pool, strides)) return done(b.op('avg_pool2d', [nhwc], { ...attrs, padding: 'same' }));
  const y = b.op('avg_pool2d', [padSpatial(b, nhwc, all)], { ...attrs, padding: 'valid' });
  const [oh, ow] = [y.type.shape[1] as number, y.type.shape[2] as number];
  const [rows, cols] = [0, 1].map((i) => windowCounts([oh, ow][i]!, size[i]!, pads[i]!, pool[i]!, strides[i]!, a.count_include_pad !== 0)) as [number[], number[]];
  if (rows.includes(0) || cols.includes(0))
    ctx.refuse(n, 'pads', a.pads, `leave a window with no cell of x to average (count_include_pad ${a.count_include_pad}); onnxruntime requires pads smaller than kernel_shape`);
  const area = pool[0] * pool[1];
  if (rows.every((r) => cols.every((c) => r * c === area))) return done(y);
  const scale = ctx.derivedWeight(`${n.name || n.output[0]}/avg_pool_divisor`, [oh, ow, 1], () => Float32Array.from({ length: oh * ow }, (_, k) => area / (rows[Math.floor(k / ow)]! * cols[k % ow]!)));
  return done(b.op('mul', [y, scale]));
});

/** GlobalAveragePool / GlobalMaxPool: a reduction over every spatial axis, kept as 1s. */
const globalPool = (irOp: 'reduce_mean' | 'reduce_max') =>
  op({}, (n, ctx) => {
    const x = ctx.operand(n.input[0]!);
    const rank = x.type.shape.length;
    if (rank < 3) ctx.refuseNode(n, `takes an input [N, C, spatial...] of rank 3 or more, got rank ${rank}`);
    return ctx.b.op(irOp, [x], { axes: Array.from({ length: rank - 2 }, (_, i) => i + 2), keepdims: true });
  });

export const ONNX_POOL_OPS: Readonly<Record<string, OnnxOp>> = {
  MaxPool: maxPool,
  AveragePool: averagePool,
  GlobalAveragePool: globalPool('reduce_mean'),
  GlobalMaxPool: globalPool('reduce_max'),
};
