/**
 * ONNX's Resize (opsets 10–25) and Upsample (7–9) of an NCHW image as the IR's channels-last
 * resize2d between transposes. resize2d computes each axis' source coordinates from in / out,
 * so a `scales` is taken only where in · scale is the output size exactly (ONNX's transform
 * divides by the scale itself). Nearest and linear in every coordinate and nearest mode
 * resize2d names; cubic, tf_crop_and_resize, half_pixel_symmetric, antialias, a
 * keep_aspect_ratio_policy other than stretch, and resizing the batch or channel axis are
 * refused by name.
 */
import type { Node } from '../../ir/graph.js';
import { ignored, integers, numbers, only, type AttrValues } from './attributes.js';
import type { OnnxContext, OnnxNode, OnnxOp } from './onnx.js';
import { op } from './onnx-op.js';
import { constIntegers, constValues } from './onnx-known.js';
import { toNchw, toNhwc } from './onnx-window.js';

const RESIZE = {
  mode: only('nearest', 'linear'),
  // Opset 10 has no such attribute: its transform is asymmetric (the default applied below).
  coordinate_transformation_mode: only('half_pixel', 'asymmetric', 'align_corners', 'pytorch_half_pixel', 'tf_half_pixel_for_nn'),
  nearest_mode: only('round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'),
  // Only cubic reads these, and only tf_crop_and_resize the extrapolation value.
  cubic_coeff_a: ignored,
  exclude_outside: only(0),
  extrapolation_value: ignored,
  antialias: only(0),
  axes: integers(),
  keep_aspect_ratio_policy: only('stretch'),
} as const;

/** The output [height, width] of x [N, C, H, W] (another rank refused) from a scale or size per axis (`axes`, default all). */
function targetSize(n: OnnxNode, ctx: OnnxContext, x: Node, per: { scales?: number[]; sizes?: number[] }, axes: readonly number[] | undefined): [number, number] {
  const shape = x.type.shape;
  const rank = shape.length;
  if (rank !== 4) ctx.refuseNode(n, `takes an image [N, C, H, W], got rank ${rank}`);
  const all = axes ?? Array.from({ length: rank }, (_, i) => i);
  const given = per.sizes ?? per.scales!;
  const what = per.sizes ? 'sizes' : 'scales';
  if (given.length !== all.length) ctx.refuseNode(n, `${what} has ${given.length} entries for ${all.length} axes`);
  const out = [...shape] as (number | null)[];
  all.forEach((axis, i) => {
    const a = axis < 0 ? axis + rank : axis;
    const size = shape[a];
    const v = given[i]!;
    if (per.sizes) out[a] = v;
    else if (size !== null && size !== undefined) {
      const scaled = size * v;
      if (!Number.isInteger(scaled)) ctx.refuseNode(n, `scale ${v} of axis ${a} makes ${scaled} cells from ${size}: resize2d takes a scale only where the output size is in · scale exactly`);
      out[a] = scaled;
    } else if (v !== 1) ctx.refuseNode(n, `scales resize the batch axis ${a}`);
  });
  if (out[0] !== shape[0] || out[1] !== shape[1]) ctx.refuseNode(n, `resizes the batch or channel axis (${what} [${given.join(', ')}]): only height and width`);
  const [h, w] = [out[2], out[3]];
  if (!Number.isInteger(h) || !Number.isInteger(w) || (h as number) < 1 || (w as number) < 1) ctx.refuseNode(n, `makes an output of [${out.map((d) => d ?? '?').join(', ')}]`);
  return [h as number, w as number];
}

function resize(n: OnnxNode, ctx: OnnxContext, x: Node, size: [number, number], mode: string, coordinateMode: string, nearestMode: string): Node {
  const attrs = { size, mode: mode === 'linear' ? 'bilinear' : 'nearest', coordinateMode, nearestMode };
  return toNchw(ctx.b, ctx.b.op('resize2d', [toNhwc(ctx.b, x)], attrs));
}

/** An optional operand of a known value (`integers`: typed INT64): its values, or undefined when absent (empty name) or empty. */
function optionalValues(n: OnnxNode, ctx: OnnxContext, index: number, what: string, integers = false): number[] | undefined {
  const name = n.input[index];
  if (!name) return undefined;
  const values = (integers ? constIntegers : constValues)(n, ctx, name, what);
  return values.length > 0 ? values : undefined;
}

/** Resize: opset 10 (X, scales; asymmetric), 11+ (X, roi, scales, sizes: one of the last two). */
const resizeOp = op(RESIZE, (n, ctx, a: AttrValues<typeof RESIZE>) => {
  const x = ctx.operand(n.input[0]!);
  const opset10 = ctx.opset < 11;
  const scales = optionalValues(n, ctx, opset10 ? 1 : 2, 'scales');
  const sizes = opset10 ? undefined : optionalValues(n, ctx, 3, 'sizes', true);
  if ((scales === undefined) === (sizes === undefined)) ctx.refuseNode(n, 'needs exactly one of scales and sizes, as known values');
  const size = targetSize(n, ctx, x, sizes ? { sizes } : { scales: scales! }, a.axes);
  const coordinates = opset10 ? 'asymmetric' : a.coordinate_transformation_mode;
  // Opset 10's nearest rounds down (its Upsample semantics); 11 added nearest_mode.
  const nearest = opset10 ? 'floor' : a.nearest_mode;
  return resize(n, ctx, x, size, a.mode, coordinates, nearest);
});

/** Upsample (opsets 7–9, deprecated since 10): scales as an attribute (7) or input (9), asymmetric, nearest rounding down. */
const UPSAMPLE = { mode: only('nearest', 'linear'), scales: numbers(), height_scale: ignored, width_scale: ignored } as const;
const upsampleOp = op(UPSAMPLE, (n, ctx, a: AttrValues<typeof UPSAMPLE>) => {
  const x = ctx.operand(n.input[0]!);
  const scales = a.scales ?? optionalValues(n, ctx, 1, 'scales');
  if (!scales) ctx.refuseNode(n, 'needs scales, as an attribute (opset 7) or a known input (opset 9)');
  return resize(n, ctx, x, targetSize(n, ctx, x, { scales }, undefined), a.mode, 'asymmetric', 'floor');
});

export const ONNX_RESIZE_OPS: Readonly<Record<string, OnnxOp>> = { Resize: resizeOp, Upsample: upsampleOp };
