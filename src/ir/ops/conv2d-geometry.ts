import type { Attrs } from '../graph.js';
import { ShapeError, type AttrSpec } from '../registry.js';
import { tensor, type Tensor } from '../tensor.js';
import type { Dim, Shape } from '../types.js';

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

function pair(attrs: Attrs, name: string): [number, number] {
  const v = attrs[name] as readonly number[];
  if (v.length !== 2 || v.some((s) => !Number.isInteger(s) || s < 1)) throw new ShapeError(`conv2d ${name} must be two positive integers, got [${v.join(',')}]`);
  return [v[0]!, v[1]!];
}

/** Output extent and padding before, along one spatial axis. */
function axis(size: number, k: number, s: number, d: number, padding: string): [out: number, before: number] {
  const span = (k - 1) * d + 1;
  if (padding === 'valid') {
    if (size < span) throw new ShapeError(`conv2d window ${span} is larger than the input ${size} ('valid' padding)`);
    return [Math.floor((size - span) / s) + 1, 0];
  }
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + span - size, 0);
  return [out, Math.floor(total / 2)];
}

/** The geometry of x [n, h, w, c] under a kh x kw window; a ShapeError for anything else. */
export function convGeometry(x: Shape, kh: number, kw: number, attrs: Attrs): ConvGeometry {
  if (x.length !== 4 || x.slice(1).some((d) => d === null)) throw new ShapeError(`conv2d takes x [batch, height, width, channels], got rank ${x.length}`);
  const padding = attrs.padding as string;
  if (padding !== 'valid' && padding !== 'same') throw new ShapeError(`conv2d padding must be 'valid' or 'same', got '${padding}'`);
  const [sh, sw] = pair(attrs, 'strides');
  const [dh, dw] = pair(attrs, 'dilations');
  const [h, w, c] = x.slice(1) as number[] as [number, number, number];
  const [oh, padTop] = axis(h, kh, sh, dh, padding);
  const [ow, padLeft] = axis(w, kw, sw, dw, padding);
  return { h, w, c, kh, kw, oh, ow, sh, sw, dh, dw, padTop, padLeft, k: kh * kw * c };
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
