/**
 * Window geometry shared by the 2-D pooling ops, their gradients and every backend's kernels.
 * Layout is channels-last: x is [N, H, W, C]. Padding follows TensorFlow: 'valid' keeps only
 * whole windows; 'same' gives ceil(H / s) outputs and pads the missing total around x, the odd
 * cell on the bottom / right. Padded cells are never read: max pooling skips them and average
 * pooling divides by the count of real cells, as TF and tfjs do.
 */
import type { Attrs } from '../graph.js';
import { ShapeError, type AttrSpec, type OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { positivePair, windowAxis } from './window-geometry.js';
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

/** The geometry of pooling an `x` of type [N, H, W, C] (N may be the batch `?`). */
export function poolGeometry(x: TensorType, attrs: Attrs): PoolGeometry {
  const [n, h, w, c] = x.shape;
  if (x.shape.length !== 4 || [h, w, c].some((d) => d === null))
    throw new ShapeError(`2-D pooling takes [batch, height, width, channels] with static height, width and channels, got [${x.shape.map((d) => d ?? '?').join(',')}]`);
  const [poolH, poolW] = positivePair(attrs, 'pool', '2-D pooling');
  const [strideH, strideW] = positivePair(attrs, 'strides', '2-D pooling');
  const rows = windowAxis(h!, poolH, strideH, attrs.padding, '2-D pooling');
  const cols = windowAxis(w!, poolW, strideW, attrs.padding, '2-D pooling');
  return { batch: n!, inH: h!, inW: w!, channels: c!, outH: rows.out, outW: cols.out, poolH, poolW, strideH, strideW, padTop: rows.before, padLeft: cols.before };
}

/**
 * Rows and columns of x a 'valid' pooling reads: windows stop short of a remainder (a 2x2
 * stride-2 pooling of 11 rows reads 10), so a kernel that makes x just for the pooling can skip
 * it. Pooling the first `h` x `w` of x with the same attributes gives the same windows.
 */
export function poolReadExtent(g: PoolGeometry, attrs: Attrs): { readonly h: number; readonly w: number } {
  if (attrs.padding !== 'valid') return { h: g.inH, w: g.inW };
  return { h: (g.outH - 1) * g.strideH + g.poolH, w: (g.outW - 1) * g.strideW + g.poolW };
}

/** Whether no two windows share a cell: each cell of x is in at most one. */
export const windowsDisjoint = (g: PoolGeometry): boolean => g.strideH >= g.poolH && g.strideW >= g.poolW;

/** Whether every cell of x is in exactly one window: windows side by side, the last reaching each far edge. */
export const windowsTile = (g: PoolGeometry): boolean =>
  g.strideH === g.poolH && g.strideW === g.poolW && (g.outH - 1) * g.strideH - g.padTop + g.poolH >= g.inH && (g.outW - 1) * g.strideW - g.padLeft + g.poolW >= g.inW;

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

/**
 * A 2-D pooling op over channels-last x: each window's cells of one channel reduced to one value by
 * `reduce` (which gets the data, the window's cells, the channel count and the channel).
 */
export function pooling2dOp(
  name: string,
  summary: string,
  kind: 'max' | 'avg',
  reduce: (data: ArrayLike<number>, cells: readonly number[], channels: number, c: number) => number,
  gradient: NonNullable<OpDef['gradient']>,
): OpDef {
  return {
    name,
    summary,
    arity: 1,
    attrs: POOL_ATTRS,
    traits: { rowLocal: true, pooling: kind },
    inferType: ([x], attrs) => pooledType(poolGeometry(x!, attrs)),
    evaluate([x], attrs, out) {
      const g = poolGeometry({ dtype: 'f32', shape: x!.shape }, attrs);
      const result = tensor(out.shape as number[]);
      const C = g.channels;
      forEachWindow(g, x!.shape[0]!, (p, cells) => {
        for (let c = 0; c < C; c++) result.data[p * C + c] = reduce(x!.data, cells, C, c);
      });
      return result;
    },
    gradient,
  };
}

/**
 * A pooling applied in a product's epilogue (conv2d's `pool`): the name of a pooling op (one with
 * the `pooling` trait) or 'none', and that op's window attributes under their own names, so
 * the fused node reads as conv2d then the pooling op.
 */
export const EPILOGUE_POOL_ATTRS: Readonly<Record<string, AttrSpec>> = {
  pool: { kind: 'string', default: 'none' },
  poolWindow: POOL_ATTRS.pool!,
  poolStrides: POOL_ATTRS.strides!,
  poolPadding: POOL_ATTRS.padding!,
};

/** A fused node's pooling: the pooling op's name and its attributes, or undefined when `pool` is 'none'. */
export function epiloguePool(attrs: Attrs): { readonly op: string; readonly attrs: Attrs } | undefined {
  if (attrs.pool === undefined || attrs.pool === 'none') return undefined;
  return { op: String(attrs.pool), attrs: { pool: attrs.poolWindow!, strides: attrs.poolStrides!, padding: attrs.poolPadding! } };
}

/** The epilogue attributes that fuse the pooling node `op` with `attrs` into a product. */
export function epiloguePoolAttrs(op: string, attrs: Attrs): Attrs {
  return { pool: op, poolWindow: attrs.pool!, poolStrides: attrs.strides!, poolPadding: attrs.padding! };
}
