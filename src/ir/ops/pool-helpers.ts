/**
 * Window geometry shared by the 2-D pooling ops, their gradients and every backend's kernels.
 * Layout is channels-last: x is [N, H, W, C]. Padding follows TensorFlow: 'valid' keeps only
 * whole windows; 'same' gives ceil(H / s) outputs and pads the missing total around x, the odd
 * cell on the bottom / right. Padded cells are never read: max pooling skips them and average
 * pooling divides by the count of real cells, as TF and tfjs do.
 */
import type { Attrs } from '../graph.js';
import { ShapeError, type AttrSpec } from '../registry.js';
import type { Dim, TensorType } from '../types.js';

export const POOL_ATTRS: Readonly<Record<string, AttrSpec>> = {
  pool: { kind: 'ints', default: [2, 2] },
  strides: { kind: 'ints', default: [2, 2] },
  padding: { kind: 'string', default: 'valid' },
};

/** Everything a kernel needs to walk the windows of one image (all static but the batch). */
export interface PoolGeometry {
  readonly batch: Dim;
  readonly inH: number;
  readonly inW: number;
  readonly channels: number;
  readonly outH: number;
  readonly outW: number;
  readonly poolH: number;
  readonly poolW: number;
  readonly strideH: number;
  readonly strideW: number;
  /** Padding cells above / left of x: a window starts at out * stride - pad. */
  readonly padTop: number;
  readonly padLeft: number;
}

function pair(attrs: Attrs, key: string): [number, number] {
  const v = attrs[key] as readonly number[];
  if (v.length !== 2 || v.some((d) => d < 1)) throw new ShapeError(`${key} must be two positive integers, got [${v.join(',')}]`);
  return [v[0]!, v[1]!];
}

/** Output extent and padding before x along one axis. */
function axis(size: number, pool: number, stride: number, padding: string): { out: number; before: number } {
  if (padding === 'valid') {
    if (size < pool) throw new ShapeError(`a ${pool} pool does not fit in ${size} cells with padding 'valid'`);
    return { out: Math.floor((size - pool) / stride) + 1, before: 0 };
  }
  if (padding !== 'same') throw new ShapeError(`padding must be 'valid' or 'same', got '${padding}'`);
  const out = Math.ceil(size / stride);
  return { out, before: Math.floor(Math.max((out - 1) * stride + pool - size, 0) / 2) };
}

/** The geometry of pooling an `x` of type [N, H, W, C] (N may be the batch `?`). */
export function poolGeometry(x: TensorType, attrs: Attrs): PoolGeometry {
  const [n, h, w, c] = x.shape;
  if (x.shape.length !== 4 || [h, w, c].some((d) => d === null))
    throw new ShapeError(`2-D pooling takes [batch, height, width, channels] with static height, width and channels, got [${x.shape.map((d) => d ?? '?').join(',')}]`);
  const [poolH, poolW] = pair(attrs, 'pool');
  const [strideH, strideW] = pair(attrs, 'strides');
  const rows = axis(h!, poolH, strideH, attrs.padding as string);
  const cols = axis(w!, poolW, strideW, attrs.padding as string);
  return { batch: n!, inH: h!, inW: w!, channels: c!, outH: rows.out, outW: cols.out, poolH, poolW, strideH, strideW, padTop: rows.before, padLeft: cols.before };
}

export const pooledType = (g: PoolGeometry): TensorType => ({ dtype: 'f32', shape: [g.batch, g.outH, g.outW, g.channels] });

/**
 * Calls `visit` for each output pixel (image n, row oh, column ow) with the flat pixel indices
 * (into an [N, H, W] grid) of its window's real cells, in row-major order.
 */
export function forEachWindow(g: PoolGeometry, images: number, visit: (outPixel: number, cells: readonly number[]) => void): void {
  for (let n = 0; n < images; n++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++) {
        const cells: number[] = [];
        const h0 = oh * g.strideH - g.padTop;
        const w0 = ow * g.strideW - g.padLeft;
        for (let h = Math.max(h0, 0); h < Math.min(h0 + g.poolH, g.inH); h++)
          for (let w = Math.max(w0, 0); w < Math.min(w0 + g.poolW, g.inW); w++) cells.push((n * g.inH + h) * g.inW + w);
        visit((n * g.outH + oh) * g.outW + ow, cells);
      }
}

/** The index among `cells` (pixel indices) of the first largest value of channel `c`. */
export function firstMax(data: ArrayLike<number>, cells: readonly number[], channels: number, c: number): number {
  let best = 0;
  for (let k = 1; k < cells.length; k++) if (data[cells[k]! * channels + c]! > data[cells[best]! * channels + c]!) best = k;
  return best;
}
