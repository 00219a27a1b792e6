import { withDefaults } from '../attrs.js';
import type { Attrs, Node } from '../graph.js';
import { ShapeError, type OpDef } from '../registry.js';
import { evalScalar } from '../scalar-expr.js';
import { tensor, type Tensor } from '../tensor.js';
import { elementsPerRow, formatShape, sameShape, sameType, type TensorType } from '../types.js';
import { opRegistry } from './index.js';
import { inferMatmul, lastKernelAxis, matmulRows, rowsTimesConstant } from './matmul.js';
import { softmaxAlong } from './softmax.js';

/** The IR op applied after the product: 'linear' (none), 'softmax', or an elementwise op name. */
export function denseActivation(attrs: Attrs): string {
  return attrs.activation as string;
}

/**
 * The complete attributes of the epilogue's elementwise op: the dense's `alpha` where the op has
 * one and the dense sets it (alpha = 0, the dense default, stands for the op's own default).
 */
export function activationAttrs(attrs: Attrs): Attrs {
  const def = opRegistry.get(denseActivation(attrs));
  if (!def) return {};
  return withDefaults(def, Object.hasOwn(def.attrs, 'alpha') && attrs.alpha !== 0 ? { alpha: attrs.alpha! } : {});
}

/** The attributes of a fused epilogue (dense, conv2d, depthwise_conv2d): the activation op and its alpha. */
export const EPILOGUE_ATTRS = { activation: { kind: 'string', default: 'linear' }, alpha: { kind: 'float', default: 0 } } as const;

/** A ShapeError unless the epilogue activation is linear, softmax or an elementwise op. */
export function checkEpilogueActivation(op: string, attrs: Attrs): void {
  const act = denseActivation(attrs);
  if (act !== 'linear' && act !== 'softmax' && !opRegistry.get(act)?.scalar) throw new ShapeError(`unknown ${op} activation '${act}'`);
}

/** Applies a fused dense's epilogue activation in place, with the same math as the standalone op. */
export function applyActivation(t: Tensor, denseAttrs: Attrs): Tensor {
  const activation = denseActivation(denseAttrs);
  if (activation === 'linear') return t;
  if (activation === 'softmax') return softmaxAlong(t, -1);
  const def = opRegistry.get(activation);
  if (!def?.scalar) throw new ShapeError(`'${activation}' is not an elementwise activation`);
  const expr = def.scalar(activationAttrs(denseAttrs));
  for (let i = 0; i < t.data.length; i++) t.data[i] = evalScalar(expr, [t.data[i]!]);
  return t;
}

/** The operands of a dense (or conv2d) node by role: x, w, then the optional bias and (when `residual`) the residual. */
export interface DenseOperands<T> {
  readonly x: T;
  readonly w: T;
  readonly bias: T | undefined;
  readonly residual: T | undefined;
}

export function denseOperands<T>(inputs: readonly T[], attrs: Attrs): DenseOperands<T> {
  const residual = attrs.residual === true ? inputs[inputs.length - 1] : undefined;
  const rest = inputs.slice(2, residual === undefined ? undefined : -1);
  if (rest.length > 1) throw new ShapeError(`dense takes x, w, an optional bias${residual === undefined ? '' : ' and the residual'}; got ${inputs.length} operands`);
  return { x: inputs[0]!, w: inputs[1]!, bias: rest[0], residual };
}

/** The operands of a dense node by role. */
export const denseOperandsOf = (node: Node): DenseOperands<Node> => denseOperands(node.inputs, node.attrs);

/**
 * The product's type. x is read as rows of k contiguous elements: x[..., k] as in matmul, or any
 * x[batch, ...] whose rows hold exactly k elements (a per-row flatten the fuse pass folded in, so
 * the reshape needs no node of its own).
 */
function inferDenseProduct(x: TensorType, w: TensorType): TensorType {
  const k = w.shape[0];
  const flattened = w.shape.length === 2 && x.shape.length > 2 && x.shape[x.shape.length - 1] !== k && elementsPerRow(x.shape.slice(1)) === k;
  return flattened ? { dtype: x.dtype, shape: [x.shape[0]!, w.shape[1]!] } : inferMatmul(x, w);
}

/**
 * Fused dense layer: activation(x[..., k] x w[k, n] + b[n]) (+ r). Made by the fuse pass from
 * matmul, bias add, activation and a residual add; backends emit it as one kernel with bias,
 * activation and residual in the epilogue. w and b may be constants or computed values. `alpha`
 * parameterizes elu / leaky_relu epilogues; `residual` says the last operand r (of the result's
 * type) is added after the activation (Keras' `Add()([Dense(...)(x), x])`).
 */
export const dense: OpDef = {
  name: 'dense',
  summary: 'activation(x x w + b), one fused kernel',
  arity: [2, 4],
  attrs: { ...EPILOGUE_ATTRS, residual: { kind: 'bool', default: false } },
  // Softmax in the epilogue works along the last axis, within a row; the residual is read row by row.
  traits: {
    epilogue: true,
    rowLocal: (node) => rowsTimesConstant({ ...node, inputs: node.attrs.residual === true ? node.inputs.slice(0, -1) : node.inputs }),
    channelProduct: (node) => (node.attrs.activation === 'linear' && node.attrs.residual !== true ? lastKernelAxis(node, 2) : undefined),
  },
  inferType(inputs, attrs) {
    const { x, w, bias, residual } = denseOperands(inputs, attrs);
    const out = inferDenseProduct(x, w);
    if (bias && !sameShape(bias.shape, [out.shape[out.shape.length - 1]!]))
      throw new ShapeError(`dense bias must have shape [${out.shape[out.shape.length - 1]}]`);
    if (residual && !sameType(residual, out)) throw new ShapeError(`dense residual must have the result's type ${out.dtype}${formatShape(out.shape)}, got ${residual.dtype}${formatShape(residual.shape)}`);
    checkEpilogueActivation('dense', attrs);
    return out;
  },
  evaluate(inputs, attrs, outType) {
    const { x, w, bias, residual } = denseOperands(inputs, attrs);
    const product = matmulRows(tensor([x.data.length / w.shape[0]!, w.shape[0]!], x.data), w);
    const out = tensor(outType.shape as number[], product.data);
    if (bias) {
      const n = bias.data.length;
      for (let i = 0; i < out.data.length; i++) out.data[i]! += bias.data[i % n]!;
    }
    const activated = applyActivation(out, attrs);
    if (residual) for (let i = 0; i < activated.data.length; i++) activated.data[i]! += residual.data[i]!;
    return activated;
  },
};
