/**
 * The activations TensorFlow writes as ops of their own (Relu, Relu6, ...) and as the epilogue of a
 * fused op (`_FusedMatMul` / `_FusedConv2D` with fused_ops [BiasAdd, <activation>]), as IR.
 */
import type { GraphBuilder } from '../../ir/builder.js';
import type { Node } from '../../ir/graph.js';
import { arg, lit, max, min, printScalar } from '../../ir/scalar-expr.js';
import { irAttrs } from './attributes.js';

/** Relu6 as the composed scalar min(max(x, 0), 6): exactly TensorFlow's clamp, in every backend. */
const RELU6_EXPR = printScalar(min(max(arg(0), lit(0)), lit(6)));

/** TensorFlow activation -> how it becomes IR; `alpha` is LeakyRelu's slope. */
const ACTIVATIONS: Record<string, (b: GraphBuilder, x: Node, alpha: number) => Node> = {
  Relu: (b, x) => b.op('relu', [x]),
  Relu6: (b, x) => b.op('elementwise', [x], { expr: RELU6_EXPR }),
  Elu: (b, x) => b.op('elu', [x]),
  Sigmoid: (b, x) => b.op('sigmoid', [x]),
  Tanh: (b, x) => b.op('tanh', [x]),
  LeakyRelu: (b, x, alpha) => b.op('leaky_relu', [x], irAttrs('leaky_relu', { alpha })),
};

export const activationNames = (): string[] => Object.keys(ACTIVATIONS);

/** x through TensorFlow's activation `name` (one of activationNames()). */
export function activation(b: GraphBuilder, x: Node, name: string, alpha: number): Node {
  return ACTIVATIONS[name]!(b, x, alpha);
}

/**
 * The fused_ops forms one fused op supports: BiasAdd, then at most one activation of `allowed`.
 * The text of an unsupported form (`[BiasAdd, Prelu]`), undefined for a supported one.
 */
export function unsupportedEpilogue(ops: readonly string[], allowed: readonly string[], biasRequired: boolean): string | undefined {
  const [first, act, ...rest] = ops;
  const ok = (first === 'BiasAdd' && (act === undefined || allowed.includes(act)) && rest.length === 0) || (!biasRequired && ops.length === 0);
  return ok ? undefined : `[${ops.join(', ')}]`;
}
