/**
 * The activations TensorFlow writes as ops of their own (Relu, Relu6, ...) and as the epilogue of a
 * fused op (`_FusedMatMul` / `_FusedConv2D` with fused_ops [BiasAdd, <activation>]), as IR.
 */
import type { GraphBuilder } from '../../ir/builder.js';
import type { Node } from '../../ir/graph.js';
import { irAttrs } from './attributes.js';

/** TensorFlow activation -> how it becomes IR; `alpha` is LeakyRelu's slope. */
const ACTIVATIONS: Record<string, (b: GraphBuilder, x: Node, alpha: number) => Node> = {
  Relu: (b, x) => b.op('relu', [x]),
  Relu6: (b, x) => b.op('relu6', [x]),
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
