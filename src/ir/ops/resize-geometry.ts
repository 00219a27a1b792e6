import type { Attrs } from '../graph.js';
import { ShapeError, type AttrSpec } from '../registry.js';
import type { Shape } from '../types.js';

/**
 * Attributes of resize2d and its gradient. The coordinate modes are ONNX Resize's names (src =
 * the source coordinate of output index r, in / out the axis sizes); the first four are the
 * transforms tfjs' ResizeBilinear / ResizeNearestNeighbor compute:
 *   asymmetric           src = r · in / out                  (alignCorners and halfPixelCenters off)
 *   align_corners        src = r · (in - 1) / (out - 1)      (out > 1; else asymmetric)
 *   half_pixel           src = (r + 0.5) · in / out - 0.5    (bilinear with halfPixelCenters)
 *   tf_half_pixel_for_nn src = (r + 0.5) · in / out          (nearest with halfPixelCenters)
 *   pytorch_half_pixel   half_pixel where out > 1, else 0    (PyTorch's align_corners=False)
 * `nearestMode` rounds src for nearest, as ONNX names it: floor, ceil, round_prefer_ceil
 * (JavaScript's Math.round, tfjs' alignCorners nearest) or round_prefer_floor (ONNX's default).
 * Either mode takes any coordinate mode, as ONNX's Resize does.
 */
export const RESIZE_ATTRS: Readonly<Record<string, AttrSpec>> = {
  size: { kind: 'ints' },
  mode: { kind: 'string', default: 'nearest' },
  coordinateMode: { kind: 'string', default: 'asymmetric' },
  nearestMode: { kind: 'string', default: 'floor' },
};

const MODES = ['nearest', 'bilinear'];
const COORDINATE_MODES = ['asymmetric', 'align_corners', 'half_pixel', 'tf_half_pixel_for_nn', 'pytorch_half_pixel'];
/** Each nearest mode's rounding of a source coordinate. */
const ROUNDINGS: Readonly<Record<string, (v: number) => number>> = {
  floor: Math.floor,
  ceil: Math.ceil,
  round_prefer_ceil: Math.round,
  round_prefer_floor: (v) => Math.ceil(v - 0.5),
};

/** Where one output index of an axis reads: cells lo and hi, weighted 1 - frac and frac (nearest: lo only). */
export interface AxisTap {
  readonly lo: number;
  readonly hi: number;
  readonly frac: number;
}

function checkChoice(attrs: Attrs, name: string, choices: readonly string[], op: string): string {
  const v = attrs[name] as string;
  if (!choices.includes(v)) throw new ShapeError(`${op} ${name} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got '${v}'`);
  return v;
}

/** The source coordinate of output index r (see RESIZE_ATTRS), from `ratio` = in / out ((in - 1) / (out - 1) aligning corners). */
function sourceOf(r: number, ratio: number, outSize: number, mode: unknown): number {
  switch (mode) {
    case 'half_pixel':
      return ratio * (r + 0.5) - 0.5;
    case 'pytorch_half_pixel':
      return outSize > 1 ? ratio * (r + 0.5) - 0.5 : 0;
    case 'tf_half_pixel_for_nn':
      return ratio * (r + 0.5);
    default:
      return ratio * r;
  }
}

/** The taps of every output index of one axis, exactly as tfjs' cpu kernels compute them (in f64). */
export function axisTaps(inSize: number, outSize: number, attrs: Attrs): AxisTap[] {
  const align = attrs.coordinateMode === 'align_corners' && outSize > 1;
  const ratio = align ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const round = ROUNDINGS[attrs.nearestMode as string]!;
  const taps: AxisTap[] = [];
  for (let r = 0; r < outSize; r++) {
    const src = sourceOf(r, ratio, outSize, attrs.coordinateMode);
    if (attrs.mode === 'nearest') {
      const lo = Math.max(0, Math.min(inSize - 1, round(src)));
      taps.push({ lo, hi: lo, frac: 0 });
    } else {
      const lo = Math.max(0, Math.floor(src));
      taps.push({ lo, hi: Math.min(inSize - 1, Math.ceil(src)), frac: src - lo });
    }
  }
  return taps;
}

/** The geometry of resizing x [n, h, w, c] to [n, size, c] (x's shape checked, attributes validated). */
export interface ResizeGeometry {
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly oh: number;
  readonly ow: number;
  readonly rows: readonly AxisTap[];
  readonly cols: readonly AxisTap[];
}

export function resizeGeometry(x: Shape, out: readonly number[], attrs: Attrs, op: string): ResizeGeometry {
  if (x.length !== 4 || x.slice(1).some((d) => d === null)) throw new ShapeError(`${op} takes [batch, height, width, channels] with known sizes, got rank ${x.length}`);
  checkChoice(attrs, 'mode', MODES, op);
  checkChoice(attrs, 'coordinateMode', COORDINATE_MODES, op);
  checkChoice(attrs, 'nearestMode', Object.keys(ROUNDINGS), op);
  if (out.length !== 2 || out.some((d) => !Number.isInteger(d) || d < 1)) throw new ShapeError(`${op} size must be [height, width] of positive integers, got ${JSON.stringify(out)}`);
  const [h, w, c] = x.slice(1) as number[] as [number, number, number];
  const [oh, ow] = out as [number, number];
  return { h, w, c, oh, ow, rows: axisTaps(h, oh, attrs), cols: axisTaps(w, ow, attrs) };
}

/**
 * Calls `tap(outPixel, inPixel, weight)` for every (output pixel, source pixel) pair of resizing
 * one image, pixels numbered row-major; bilinear's four corners in tfjs' order, nearest's one.
 */
export function forEachResizeTap(g: ResizeGeometry, tap: (outPixel: number, inPixel: number, weight: number) => void): void {
  for (let oy = 0; oy < g.oh; oy++) {
    const r = g.rows[oy]!;
    for (let ox = 0; ox < g.ow; ox++) {
      const col = g.cols[ox]!;
      const o = oy * g.ow + ox;
      tap(o, r.lo * g.w + col.lo, (1 - r.frac) * (1 - col.frac));
      if (r.frac === 0 && col.frac === 0) continue;
      tap(o, r.lo * g.w + col.hi, (1 - r.frac) * col.frac);
      tap(o, r.hi * g.w + col.lo, r.frac * (1 - col.frac));
      tap(o, r.hi * g.w + col.hi, r.frac * col.frac);
    }
  }
}
