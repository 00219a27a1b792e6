import type { Attrs, Node } from '../graph.js';
import { ShapeError, type OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { formatShape, sameShape, type Shape, type TensorType } from '../types.js';
import { CONV_ATTRS, col2im, convOutShape } from './conv2d-geometry.js';
import { conv2dGeometry } from './conv2d.js';
import { matmulNT } from './matmul_nt.js';
import { rowsTimesConstant } from './matmul.js';

/**
 * The shape of the result (conv2d's x): operand 2's shape when given (a gradient knows x), else
 * [dy's batch, size, w's input channels] (a transposed convolution states its output size).
 */
function resultShape([dy, w, x]: readonly TensorType[], attrs: Attrs): Shape {
  if (x) return x.shape;
  const size = attrs.size as number[];
  if (size.length !== 2 || size.some((d) => !Number.isInteger(d) || d < 1))
    throw new ShapeError(`conv2d_grad_input without operand x needs size [height, width], got ${JSON.stringify(size)}`);
  if (w!.shape.length !== 4) throw new ShapeError(`conv2d kernel must be [kh, kw, inChannels, filters], got ${formatShape(w!.shape)}`);
  return [dy!.shape[0]!, ...size, w!.shape[2]!];
}

/**
 * conv2d's input gradient, which is also the transposed convolution (Conv2DTranspose):
 * dx = col2im(dy [n, oh, ow, f] x wᵀ) shaped like conv2d's x. That shape comes from the optional
 * operand 2 (x itself, read only for its shape: the spatial size is not recoverable from dy when
 * strides round it) or, without it, from the `size` attribute [height, width].
 */
export const conv2dGradInput: OpDef = {
  name: 'conv2d_grad_input',
  summary: 'conv2d input gradient / transposed conv: col2im(dy x wᵀ), shaped like x (operand 2) or [n, size, c]',
  arity: [2, 3],
  attrs: { ...CONV_ATTRS, size: { kind: 'ints', default: [] } },
  // Result channel ch reads kernel[:, :, ch, :] only (wᵀ's row ch in evaluate); no bias operand.
  traits: { rowLocal: (node) => rowsTimesConstant({ ...node, inputs: node.inputs.slice(0, 2) }), channelProduct: () => ({ kernelAxes: [2] }) },
  inferType(operands, attrs) {
    const [dy, w] = operands as [TensorType, TensorType];
    const shape = resultShape(operands, attrs);
    const g = conv2dGeometry(shape, w.shape, attrs);
    const expected = convOutShape(shape[0]!, g, w.shape[3]!);
    if (!sameShape(dy.shape, expected)) throw new ShapeError(`conv2d_grad_input: dy must be ${formatShape(expected)}, got ${formatShape(dy.shape)}`);
    return { dtype: dy.dtype, shape };
  },
  evaluate([dy, w], attrs, out) {
    const g = conv2dGeometry(out.shape, w!.shape, attrs);
    const f = w!.shape[3]!;
    const cols = matmulNT(tensor([dy!.data.length / f, f], dy!.data), tensor([g.k, f], w!.data));
    return col2im(cols, g, dy!.shape[0]!);
  },
  // Linear in dy and w: d(dy) = conv2d(G, w), dw = conv2d_grad_filter(G, dy) = im2col(G)ᵀ · dy.
  gradient(b, node, gx) {
    const [dy, w, x] = node.inputs as [Node, Node, Node | undefined];
    const { size: _, ...conv } = node.attrs;
    const kernelSize = w.type.shape.slice(0, 2) as number[];
    return [b.op('conv2d', [gx, w], conv), b.op('conv2d_grad_filter', [gx, dy], { ...conv, kernelSize }), ...(x ? [null] : [])];
  },
};
