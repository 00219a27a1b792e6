import type { Node } from '../graph.js';
import { ShapeError, type OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { formatShape, sameShape } from '../types.js';
import { CONV_ATTRS } from './conv2d-geometry.js';
import { depthwiseGeometry, depthwiseOutShape, forEachDepthwiseProduct } from './depthwise-geometry.js';
import { rowsTimesConstant } from './matmul.js';

/**
 * depthwise_conv2d's input gradient: dx[pixel, ch] = Σ over the taps reading it and the
 * multiplier q of dy[out, ch·m + q] · w[tap, ch, q]. The third operand is x, read only for its shape.
 */
export const depthwiseConv2dGradInput: OpDef = {
  name: 'depthwise_conv2d_grad_input',
  summary: 'depthwise_conv2d input gradient, shaped like x (operand 2)',
  arity: 3,
  attrs: CONV_ATTRS,
  traits: { rowLocal: (node) => rowsTimesConstant({ ...node, inputs: node.inputs.slice(0, 2) }) },
  inferType([dy, w, x], attrs) {
    const expected = depthwiseOutShape(x!.shape, depthwiseGeometry(x!.shape, w!.shape, attrs, 'depthwise_conv2d_grad_input'));
    if (!sameShape(dy!.shape, expected)) throw new ShapeError(`depthwise_conv2d_grad_input: dy must be ${formatShape(expected)}, got ${formatShape(dy!.shape)}`);
    return x!;
  },
  evaluate([dy, w, x], attrs) {
    const g = depthwiseGeometry(x!.shape, w!.shape, attrs);
    const dx = new Float64Array(x!.data.length);
    forEachDepthwiseProduct(g, x!.shape[0]!, (o, xi, wi) => (dx[xi]! += dy!.data[o]! * w!.data[wi]!));
    return tensor(x!.shape as number[], Float32Array.from(dx));
  },
  // Linear in dy and w: d(dy) = depthwise_conv2d(G, w), dw = depthwise_conv2d_grad_filter(G, dy).
  gradient(b, node, gx) {
    const [dy, w] = node.inputs as [Node, Node];
    const kernelSize = w.type.shape.slice(0, 2) as number[];
    return [b.op('depthwise_conv2d', [gx, w], { ...node.attrs }), b.op('depthwise_conv2d_grad_filter', [gx, dy], { ...node.attrs, kernelSize }), null];
  },
};
