import type { Node } from '../graph.js';
import { ShapeError, type OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { formatShape, sameShape } from '../types.js';
import { CONV_ATTRS, col2im, convOutShape } from './conv2d-geometry.js';
import { conv2dGeometry } from './conv2d.js';
import { matmulNT } from './matmul_nt.js';
import { rowsTimesConstant } from './matmul.js';

/**
 * conv2d's input gradient: dx = col2im(dy [n, oh, ow, f] x wᵀ) with x's shape. The third operand
 * is x itself, read only for its shape (the spatial size is not recoverable from dy when strides
 * round it).
 */
export const conv2dGradInput: OpDef = {
  name: 'conv2d_grad_input',
  summary: 'conv2d input gradient: col2im(dy x wᵀ), shaped like x (operand 2)',
  arity: 3,
  attrs: CONV_ATTRS,
  traits: { rowLocal: (node) => rowsTimesConstant({ ...node, inputs: node.inputs.slice(0, 2) }) },
  inferType([dy, w, x], attrs) {
    const g = conv2dGeometry(x!.shape, w!.shape, attrs);
    const expected = convOutShape(x!.shape[0]!, g, w!.shape[3]!);
    if (!sameShape(dy!.shape, expected)) throw new ShapeError(`conv2d_grad_input: dy must be ${formatShape(expected)}, got ${formatShape(dy!.shape)}`);
    return x!;
  },
  evaluate([dy, w, x], attrs) {
    const g = conv2dGeometry(x!.shape, w!.shape, attrs);
    const cols = matmulNT(tensor([dy!.data.length / w!.shape[3]!, w!.shape[3]!], dy!.data), tensor([g.k, w!.shape[3]!], w!.data));
    return col2im(cols, g, x!.shape[0]!);
  },
  // Linear in dy and w: d(dy) = conv2d(G, w), dw = im2col(G)ᵀ · dy.
  gradient(b, node, gx) {
    const [dy, w] = node.inputs as [Node, Node];
    const kernelSize = w.type.shape.slice(0, 2) as number[];
    return [b.op('conv2d', [gx, w], { ...node.attrs }), b.op('conv2d_grad_filter', [gx, dy], { ...node.attrs, kernelSize }), null];
  },
};
