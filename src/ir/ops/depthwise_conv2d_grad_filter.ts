import type { Node } from '../graph.js';
import { ShapeError, type OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { formatShape, sameShape } from '../types.js';
import { CONV_ATTRS } from './conv2d-geometry.js';
import { depthwiseGeometry, depthwiseOutShape, forEachDepthwiseProduct } from './depthwise-geometry.js';

/** The kernel shape [kh, kw, c, m] of a depthwise filter gradient from x [n, h, w, c] and dy [n, oh, ow, c·m]. */
function filterShape(x: readonly (number | null)[], dy: readonly (number | null)[], kernelSize: readonly number[]): number[] {
  const [kh, kw] = kernelSize;
  if (kh === undefined || kw === undefined || kernelSize.length !== 2) throw new ShapeError('depthwise_conv2d_grad_filter kernelSize must be [kh, kw]');
  const c = x[3];
  const cm = dy[3];
  if (typeof c !== 'number' || typeof cm !== 'number' || cm % c !== 0) throw new ShapeError(`depthwise_conv2d_grad_filter: dy ${formatShape(dy)} does not match x ${formatShape(x)}`);
  return [kh, kw, c, cm / c];
}

/** depthwise_conv2d's filter gradient: dw[tap, ch, q] = Σ over the batch and pixels of x[tap's pixel, ch] · dy[out, ch·m + q]. */
export const depthwiseConv2dGradFilter: OpDef = {
  name: 'depthwise_conv2d_grad_filter',
  summary: 'depthwise_conv2d filter gradient, summing over the batch',
  arity: 2,
  attrs: { ...CONV_ATTRS, kernelSize: { kind: 'ints' } },
  // Sums over every image of the batch.
  traits: { rowLocal: false },
  inferType([x, dy], attrs) {
    const shape = filterShape(x!.shape, dy!.shape, attrs.kernelSize as number[]);
    const expected = depthwiseOutShape(x!.shape, depthwiseGeometry(x!.shape, shape, attrs, 'depthwise_conv2d_grad_filter'));
    if (!sameShape(dy!.shape, expected)) throw new ShapeError(`depthwise_conv2d_grad_filter: dy must be ${formatShape(expected)}, got ${formatShape(dy!.shape)}`);
    return { dtype: x!.dtype, shape };
  },
  evaluate([x, dy], attrs, out) {
    const g = depthwiseGeometry(x!.shape, out.shape, attrs);
    const dw = new Float64Array(g.kh * g.kw * g.c * g.m);
    forEachDepthwiseProduct(g, x!.shape[0]!, (o, xi, wi) => (dw[wi]! += x!.data[xi]! * dy!.data[o]!));
    return tensor(out.shape as number[], Float32Array.from(dw));
  },
  // Linear in x and dy: dx = depthwise_conv2d_grad_input(dy, G), d(dy) = depthwise_conv2d(x, G).
  gradient(b, node, gw) {
    const [x, dy] = node.inputs as [Node, Node];
    const { kernelSize: _, ...conv } = node.attrs;
    return [b.op('depthwise_conv2d_grad_input', [dy, gw, x], conv), b.op('depthwise_conv2d', [x, gw], conv)];
  },
};
