import type { Attrs, Node } from './graph.js';
import type { ScalarExpr } from './scalar-expr.js';
import type { Tensor } from './tensor.js';
import type { TensorType } from './types.js';
import type { GraphBuilder } from './builder.js';

/** Thrown by shape inference; the caller adds the location (layer, node) and wraps it in an NncError. */
export class ShapeError extends Error {}

export type AttrKind = 'int' | 'float' | 'string' | 'bool' | 'ints' | 'floats' | 'expr';

export interface AttrSpec {
  readonly kind: AttrKind;
  /** Value used when the attribute is absent; attributes without a default are required. */
  readonly default?: number | string | boolean | readonly number[];
}

/**
 * Reverse-mode rule: given the node, the gradient flowing into its result, and a builder to emit
 * IR with, return the gradient for each operand (null where none flows, e.g. into integer labels).
 */
export type GradientRule = (b: GraphBuilder, node: Node, outGrad: Node) => readonly (Node | null)[];

/**
 * Reverse-mode rule of a multi-result op: one incoming gradient per result (null where no
 * gradient flows into that result), the gradient for each operand out.
 */
export type ResultsGradientRule = (b: GraphBuilder, node: Node, outGrads: readonly (Node | null)[]) => readonly (Node | null)[];

/**
 * Everything nnc knows about one op, declared in one file under src/ir/ops/. Backends key their
 * kernels by `name`; nothing else needs to change to add an op.
 */
export interface OpDef {
  readonly name: string;
  readonly summary: string;
  /** Operand count, or 'variadic' (at least one). */
  readonly arity: number | 'variadic' | readonly [min: number, max: number];
  readonly attrs: Readonly<Record<string, AttrSpec>>;
  inferType(inputs: readonly TensorType[], attrs: Attrs): TensorType;
  /** Reference semantics in float32. `out` is the inferred type with concrete dimensions. */
  evaluate(inputs: readonly Tensor[], attrs: Attrs, out: TensorType): Tensor;
  /** For pure elementwise ops (broadcasting operands): the scalar math, used by fusion and kernels. */
  scalar?(attrs: Attrs): ScalarExpr;
  gradient?: GradientRule;
  /**
   * Multi-result ops (split) declare these three instead of inferType / evaluate / gradient
   * (which then only throw): the type of each result (at least one), the value of each, and the
   * gradient rule. GraphBuilder.multi builds such a node and one `result` projection per result.
   */
  inferTypes?(inputs: readonly TensorType[], attrs: Attrs): readonly TensorType[];
  evaluateResults?(inputs: readonly Tensor[], attrs: Attrs, outs: readonly TensorType[]): Tensor[];
  gradientResults?: ResultsGradientRule;
  /** True when the result is a reinterpretation of operand 0's bytes (reshape): no kernel needed. */
  readonly isView?: boolean;
}
