import type { Attrs } from '../graph.js';
import { ShapeError, type AttrSpec } from '../registry.js';
import { tensor, type Tensor } from '../tensor.js';
import type { Dim, Shape } from '../types.js';
import { positivePair, windowAxis } from './window-geometry.js';

/** Attributes shared by conv2d and its two gradient ops (NHWC, TensorFlow's padding rules). */
export const CONV_ATTRS: Readonly<Record<string, AttrSpec>> = {
  strides: { kind: 'ints', default: [1, 1] },
  padding: { kind: 'string', default: 'valid' },
  dilations: { kind: 'ints', default: [1, 1] },
};

/** Where each output pixel's taps fall in x: everything the three conv ops need. */
export interface ConvGeometry {
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly kh: number;
  readonly kw: number;
  readonly oh: number;
  readonly ow: number;
  readonly sh: number;
  readonly sw: number;
  readonly dh: number;
  readonly dw: number;
  /** Rows / columns of zeros before x ('same' puts the odd one after, as TensorFlow does). */
  readonly padTop: number;
  readonly padLeft: number;
  /** Columns of the im2col matrix: kh · kw · c. */
  readonly k: number;
}

/** The geometry of x [n, h, w, c] under a kh x kw window; a ShapeError for anything else. */
export function convGeometry(x: Shape, kh: number, kw: number, attrs: Attrs): ConvGeometry {
  if (x.length !== 4 || x.slice(1).some((d) => d === null)) throw new ShapeError(`conv2d takes x [batch, height, width, channels], got rank ${x.length}`);
  const [sh, sw] = positivePair(attrs, 'strides', 'conv2d');
  const [dh, dw] = positivePair(attrs, 'dilations', 'conv2d');
  const [h, w, c] = x.slice(1) as number[] as [number, number, number];
  // A dilated window spans (k - 1) · d + 1 cells.
  const rows = windowAxis(h, (kh - 1) * dh + 1, sh, attrs.padding, 'conv2d');
  const cols = windowAxis(w, (kw - 1) * dw + 1, sw, attrs.padding, 'conv2d');
  return { h, w, c, kh, kw, oh: rows.out, ow: cols.out, sh, sw, dh, dw, padTop: rows.before, padLeft: cols.before, k: kh * kw * c };
}

/** True for the 1x1, stride-1 convolution: x itself is the im2col matrix. */
export const isPointwise = (g: ConvGeometry): boolean => g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.oh === g.h && g.ow === g.w;

/** The output shape [n, oh, ow, f]. */
export const convOutShape = (n: Dim, g: ConvGeometry, f: number): Shape => [n, g.oh, g.ow, f];

/**
 * Calls `tap(row, col, xIndex)` for every (output pixel, window tap) pair whose tap lies inside x:
 * row = (n·oh + oy)·ow + ox, col = (i·kw + j)·c, xIndex the element offset of x[n, iy, ix, 0].
 * im2col and col2im are this walk; the wasm kernels emit the same loops.
 */
export function forEachTap(g: ConvGeometry, batch: number, tap: (row: number, col: number, xIndex: number) => void): void {
  for (let n = 0; n < batch; n++)
    for (let oy = 0; oy < g.oh; oy++)
      for (let ox = 0; ox < g.ow; ox++) {
        const row = (n * g.oh + oy) * g.ow + ox;
        for (let i = 0; i < g.kh; i++) {
          const iy = oy * g.sh - g.padTop + i * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (let j = 0; j < g.kw; j++) {
            const ix = ox * g.sw - g.padLeft + j * g.dw;
            if (ix >= 0 && ix < g.w) tap(row, (i * g.kw + j) * g.c, ((n * g.h + iy) * g.w + ix) * g.c);
          }
        }
      }
}

/** x [n, h, w, c] -> the patch matrix [n·oh·ow, kh·kw·c] (zeros where a tap falls in the padding). */
export function im2col(x: Tensor, g: ConvGeometry): Tensor {
  const batch = x.shape[0]!;
  const col = tensor([batch * g.oh * g.ow, g.k]);
  forEachTap(g, batch, (row, c0, xi) => col.data.set(x.data.subarray(xi, xi + g.c), row * g.k + c0));
  return col;
}

/** The adjoint of im2col: sums each patch column back into the pixel it was read from. */
export function col2im(col: Tensor, g: ConvGeometry, batch: number): Tensor {
  const x = tensor([batch, g.h, g.w, g.c]);
  forEachTap(g, batch, (row, c0, xi) => {
    for (let ch = 0; ch < g.c; ch++) x.data[xi + ch]! += col.data[row * g.k + c0 + ch]!;
  });
  return x;
}
