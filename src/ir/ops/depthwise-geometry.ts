/**
 * Depthwise convolution's geometry and reference loops. The kernel is [kh, kw, c, m]: input
 * channel ch feeds output channels ch·m .. ch·m + m - 1 (TensorFlow's order), each through its
 * own kh x kw filter, so no tap mixes channels.
 */
import type { Attrs } from '../graph.js';
import { ShapeError } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { formatShape, type Shape } from '../types.js';
import { convGeometry, forEachTap, type ConvGeometry } from './conv2d-geometry.js';

export interface DepthwiseGeometry extends ConvGeometry {
  /** The depth multiplier: output channels per input channel. */
  readonly m: number;
}

/** The geometry of x [n, h, w, c] under a depthwise kernel [kh, kw, c, m]. */
export function depthwiseGeometry(x: Shape, w: Shape, attrs: Attrs, op = 'depthwise_conv2d'): DepthwiseGeometry {
  if (w.length !== 4 || w.some((d) => d === null)) throw new ShapeError(`${op} kernel must be [kh, kw, channels, depthMultiplier], got ${formatShape(w)}`);
  const [kh, kw, c, m] = w as number[] as [number, number, number, number];
  const g = convGeometry(x, kh, kw, attrs);
  if (g.c !== c) throw new ShapeError(`${op} kernel takes ${c} channels, x has ${g.c}`);
  return { ...g, m };
}

/** The output shape [n, oh, ow, c·m]. */
export const depthwiseOutShape = (x: Shape, g: DepthwiseGeometry): Shape => [x[0]!, g.oh, g.ow, g.c * g.m];

/**
 * Calls `product(outIndex, xIndex, wIndex)` for every (output element, tap inside x) pair: the
 * output element outIndex receives x[xIndex] · w[wIndex]. The three ops are sums over this walk.
 */
export function forEachDepthwiseProduct(g: DepthwiseGeometry, batch: number, product: (outIndex: number, xIndex: number, wIndex: number) => void): void {
  const cm = g.c * g.m;
  forEachTap(g, batch, (row, col, xi) => {
    const tap = col / g.c;
    for (let ch = 0; ch < g.c; ch++)
      for (let q = 0; q < g.m; q++) {
        const o = ch * g.m + q;
        product(row * cm + o, xi + ch, tap * cm + o);
      }
  });
}

/** y [n, oh, ow, c·m] = the depthwise convolution of x by w, accumulated in f64. */
export function depthwiseProducts(x: Tensor, w: Tensor, g: DepthwiseGeometry): Float64Array {
  const y = new Float64Array(x.shape[0]! * g.oh * g.ow * g.c * g.m);
  forEachDepthwiseProduct(g, x.shape[0]!, (o, xi, wi) => (y[o]! += x.data[xi]! * w.data[wi]!));
  return y;
}
