import type { Node } from '../graph.js';
import { ShapeError, type OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { formatShape, sameShape } from '../types.js';
import { CONV_ATTRS, convGeometry, convOutShape, im2col } from './conv2d-geometry.js';
import { matmulTN } from './matmul_tn.js';

/** conv2d's filter gradient: dw [kh, kw, c, f] = im2col(x)ᵀ x dy, summed over the batch. */
export const conv2dGradFilter: OpDef = {
  name: 'conv2d_grad_filter',
  summary: 'conv2d filter gradient: im2col(x)ᵀ x dy, summing over the batch',
  arity: 2,
  attrs: { ...CONV_ATTRS, kernelSize: { kind: 'ints' } },
  // Sums over every image of the batch.
  traits: { rowLocal: false },
  inferType([x, dy], attrs) {
    const [kh, kw] = attrs.kernelSize as number[];
    if (kh === undefined || kw === undefined) throw new ShapeError('conv2d_grad_filter kernelSize must be [kh, kw]');
    const g = convGeometry(x!.shape, kh, kw, attrs);
    const f = dy!.shape[3];
    if (f === undefined || f === null || !sameShape(dy!.shape, convOutShape(x!.shape[0]!, g, f)))
      throw new ShapeError(`conv2d_grad_filter: dy ${formatShape(dy!.shape)} does not match x ${formatShape(x!.shape)}`);
    return { dtype: x!.dtype, shape: [kh, kw, g.c, f] };
  },
  evaluate([x, dy], attrs, out) {
    const [kh, kw] = attrs.kernelSize as [number, number];
    const f = dy!.shape[3]!;
    const dw = matmulTN(im2col(x!, convGeometry(x!.shape, kh, kw, attrs)), tensor([dy!.data.length / f, f], dy!.data));
    return tensor(out.shape as number[], dw.data);
  },
  // Linear in x and dy: dx = col2im(dy · Gᵀ), d(dy) = conv2d(x, G).
  gradient(b, node, gw) {
    const [x, dy] = node.inputs as [Node, Node];
    const { kernelSize: _, ...conv } = node.attrs;
    return [b.op('conv2d_grad_input', [dy, gw, x], conv), b.op('conv2d', [x, gw], conv)];
  },
};
