import type { Node } from '../graph.js';
import { ShapeError, type OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { sameShape } from '../types.js';
import { CONV_ATTRS } from './conv2d-geometry.js';
import { applyActivation, checkEpilogueActivation, EPILOGUE_ATTRS } from './dense.js';
import { depthwiseGeometry, depthwiseOutShape, depthwiseProducts } from './depthwise-geometry.js';
import { rowsTimesConstant } from './matmul.js';

/**
 * Depthwise 2-D convolution, channels last: activation(x [n, h, w, c] ⊛ w [kh, kw, c, m] + b [c·m])
 * -> [n, oh, ow, c·m], each input channel convolved with its own m filters (tf.depthwiseConv2d;
 * output channel ch·m + q). Strides, 'valid' / 'same' padding and dilations as conv2d; the bias
 * and activation are the fused epilogue, as in conv2d.
 */
export const depthwiseConv2d: OpDef = {
  name: 'depthwise_conv2d',
  summary: 'activation(depthwise_conv2d(x, w) + b), NHWC, kernel [kh, kw, c, multiplier]',
  arity: [2, 3],
  attrs: { ...CONV_ATTRS, ...EPILOGUE_ATTRS },
  // Each image of the batch is convolved on its own. Output channel c·m + q is kernel[..., c, q].
  traits: { epilogue: true, rowLocal: rowsTimesConstant, channelProduct: (node) => (node.attrs.activation === 'linear' ? { kernelAxes: [2, 3], biasOperand: 2 } : undefined) },
  inferType([x, w, bias], attrs) {
    const g = depthwiseGeometry(x!.shape, w!.shape, attrs);
    if (bias && !sameShape(bias.shape, [g.c * g.m])) throw new ShapeError(`depthwise_conv2d bias must have shape [${g.c * g.m}]`);
    checkEpilogueActivation('depthwise_conv2d', attrs);
    return { dtype: x!.dtype, shape: depthwiseOutShape(x!.shape, g) };
  },
  evaluate([x, w, bias], attrs, out) {
    const g = depthwiseGeometry(x!.shape, w!.shape, attrs);
    const y = depthwiseProducts(x!, w!, g);
    const cm = g.c * g.m;
    if (bias) for (let i = 0; i < y.length; i++) y[i]! += bias.data[i % cm]!;
    return applyActivation(tensor(out.shape as number[], Float32Array.from(y)), attrs);
  },
  gradient(b, node, g) {
    if (node.attrs.activation !== 'linear') throw new ShapeError('depthwise_conv2d with a fused activation has no gradient rule: differentiate before fusing');
    const [x, w, bias] = node.inputs as [Node, Node, Node | undefined];
    const conv = { strides: node.attrs.strides!, padding: node.attrs.padding!, dilations: node.attrs.dilations! };
    const kernelSize = w.type.shape.slice(0, 2) as number[];
    return [
      b.op('depthwise_conv2d_grad_input', [g, w, x], conv),
      b.op('depthwise_conv2d_grad_filter', [x, g], { ...conv, kernelSize }),
      ...(bias ? [b.op('reduce_sum', [g], { axes: [0, 1, 2] })] : []),
    ];
  },
};
