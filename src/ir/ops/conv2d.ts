import type { Attrs, Node } from '../graph.js';
import { ShapeError, type OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { formatShape, sameShape, sameType, type Shape } from '../types.js';
import { CONV_ATTRS, convGeometry, convOutShape, im2col, type ConvGeometry } from './conv2d-geometry.js';
import { applyActivation, checkEpilogueActivation, denseActivation, denseOperands, EPILOGUE_ATTRS } from './dense.js';
import { opRegistry } from './index.js';
import { lastKernelAxis, matmulRows, rowsTimesConstant } from './matmul.js';
import { EPILOGUE_POOL_ATTRS, epiloguePool } from './pool-helpers.js';

/** The geometry of a conv2d node's x [n, h, w, c] under its kernel w [kh, kw, c, f]. */
export function conv2dGeometry(x: Shape, w: Shape, attrs: Attrs): ConvGeometry {
  if (w.length !== 4) throw new ShapeError(`conv2d kernel must be [kh, kw, inChannels, filters], got ${formatShape(w)}`);
  const [kh, kw, c] = w as number[];
  const g = convGeometry(x, kh!, kw!, attrs);
  if (g.c !== c) throw new ShapeError(`conv2d kernel takes ${c} input channels, x has ${g.c}`);
  return g;
}

/** The kernel as the GEMM's B: [kh·kw·c, f]. */
const kernelMatrix = (w: Shape): [number, number] => [w.slice(0, 3).reduce<number>((p, d) => p * d!, 1), w[3]!];

/**
 * 2-D convolution, channels last: activation(x [n, h, w, c] ⊛ w [kh, kw, c, f] + b [f]) (+ r) ->
 * [n, oh, ow, f], TensorFlow's 'valid' / 'same' padding, strides and dilations. The bias,
 * activation and residual are the fused epilogue (the layer lowers to conv2d, add, activation;
 * the fuse pass may fold them in, and a following add of a value of the result's type as the
 * residual, as for dense): operands x, w, the optional bias, then r when `residual`, with
 * `activation` / `alpha` / `residual` as in dense. `pool` names a pooling op (max_pool2d,
 * avg_pool2d) applied last, with its window as `poolWindow` / `poolStrides` / `poolPadding`: the
 * result is then the pooled [n, oh', ow', f] (the fuse pass folds a following pooling in, so the
 * unpooled activation never reaches memory). Not with a residual.
 */
export const conv2d: OpDef = {
  name: 'conv2d',
  summary: 'activation(conv2d(x, w) + b) (+ r), NHWC, Keras kernel layout',
  arity: [2, 4],
  attrs: { ...CONV_ATTRS, ...EPILOGUE_ATTRS, residual: { kind: 'bool', default: false }, ...EPILOGUE_POOL_ATTRS },
  // Each image of the batch is convolved on its own (the residual is read image by image).
  traits: {
    epilogue: true,
    rowLocal: (node) => rowsTimesConstant({ ...node, inputs: node.attrs.residual === true ? node.inputs.slice(0, -1) : node.inputs }),
    channelProduct: (node) => (node.attrs.activation === 'linear' && node.attrs.residual !== true && epiloguePool(node.attrs) === undefined ? lastKernelAxis(node, 2) : undefined),
  },
  inferType(inputs, attrs) {
    const { x, w, bias, residual } = denseOperands(inputs, attrs);
    const g = conv2dGeometry(x.shape, w.shape, attrs);
    const f = w.shape[3]!;
    if (bias && !sameShape(bias.shape, [f])) throw new ShapeError(`conv2d bias must have shape [${f}]`);
    checkEpilogueActivation('conv2d', attrs);
    const out = { dtype: x.dtype, shape: convOutShape(x.shape[0]!, g, f) };
    if (residual && !sameType(residual, out)) throw new ShapeError(`conv2d residual must have the result's type ${out.dtype}${formatShape(out.shape)}, got ${residual.dtype}${formatShape(residual.shape)}`);
    const pool = epiloguePool(attrs);
    if (!pool) return out;
    const pooling = opRegistry.get(pool.op);
    if (!pooling?.traits.pooling) throw new ShapeError(`conv2d pool must be 'none' or a pooling op (max_pool2d, avg_pool2d), got '${pool.op}'`);
    if (residual) throw new ShapeError('conv2d takes a pool or a residual, not both');
    if (denseActivation(attrs) === 'softmax') throw new ShapeError('conv2d pools after its activation, which may not be a softmax');
    return pooling.inferType([out], pool.attrs);
  },
  evaluate(inputs, attrs, out) {
    const { x, w, bias, residual } = denseOperands(inputs, attrs);
    const g = conv2dGeometry(x.shape, w.shape, attrs);
    const y = matmulRows(im2col(x, g), tensor(kernelMatrix(w.shape), w.data));
    if (bias) for (let i = 0; i < y.data.length; i++) y.data[i]! += bias.data[i % bias.data.length]!;
    const activated = applyActivation(tensor(convOutShape(x.shape[0]!, g, w.shape[3]!) as number[], y.data), attrs);
    if (residual) for (let i = 0; i < activated.data.length; i++) activated.data[i]! += residual.data[i]!;
    const pool = epiloguePool(attrs);
    return pool ? opRegistry.get(pool.op)!.evaluate([activated], pool.attrs, out) : activated;
  },
  gradient(b, node, g) {
    if (node.attrs.activation !== 'linear' || node.attrs.residual === true || epiloguePool(node.attrs))
      throw new ShapeError('conv2d with a fused activation, residual or pool has no gradient rule: differentiate before fusing');
    const [x, w, bias] = node.inputs as [Node, Node, Node | undefined];
    const conv = { strides: node.attrs.strides!, padding: node.attrs.padding!, dilations: node.attrs.dilations! };
    const kernelSize = w.type.shape.slice(0, 2) as number[];
    return [
      b.op('conv2d_grad_input', [g, w, x], conv),
      b.op('conv2d_grad_filter', [x, g], { ...conv, kernelSize }),
      ...(bias ? [b.op('reduce_sum', [g], { axes: [0, 1, 2] })] : []),
    ];
  },
};
