import type { AttrValue, Attrs, Node } from './graph.js';
import type { ScalarExpr } from './scalar-expr.js';
import type { Tensor, TensorData } from './tensor.js';
import type { DType, TensorType } from './types.js';
import type { GraphBuilder } from './builder.js';

/** Thrown by shape inference; the caller adds the location (layer, node) and wraps it in an NncError. */
export class ShapeError extends Error {}

/**
 * What an attribute holds: an integer, any number, a string, a boolean, an array of integers or
 * of numbers, or the text of a scalar expression (src/ir/scalar-expr.ts) as a string.
 */
export type AttrKind = 'int' | 'float' | 'string' | 'bool' | 'ints' | 'floats' | 'expr';

export interface AttrSpec {
  readonly kind: AttrKind;
  /**
   * Value used when the attribute is absent; attributes without a default are required. The
   * builder fills defaults in when it creates a node, so every node carries every attribute.
   */
  readonly default?: AttrValue;
  /**
   * Print the attribute even when it equals its default. The printer leaves defaults out, except
   * the axis an op works along: which axis it is tells a reader, at a glance, whether the op
   * reads across the batch.
   */
  readonly printDefault?: boolean;
}

/**
 * Properties of an op that passes, backends and bundles ask for instead of listing op names.
 * Only `rowLocal` must be stated; the others are false unless declared.
 */
export interface OpTraits {
  /**
   * No operands; the value comes from outside the computation: 'input' (a model input), or
   * 'constant' (weight, const: known when the model is compiled, stored outside the activation
   * arena).
   */
  readonly source?: 'input' | 'constant';
  /** The result reinterprets operand 0's bytes (reshape): no kernel, no storage of its own. */
  readonly view?: boolean;
  /**
   * The result equals operand 0 at inference (identity, dropout): canonicalize removes the node;
   * where one stays, it is a copy at most.
   */
  readonly passThrough?: boolean;
  /** Pure elementwise math over broadcast operands: declared with `scalar`, and only with it. */
  readonly elementwise?: boolean;
  /**
   * The kernel applies a bias operand and an `activation` / `alpha` in its epilogue (dense,
   * conv2d, depthwise_conv2d): the fuse pass may absorb a following bias add and activation.
   */
  readonly epilogue?: boolean;
  /**
   * A 2-D window reduction over channels-last x (max_pool2d, avg_pool2d) and which one: a
   * product whose op declares a `pool` attribute (conv2d) can apply it in its epilogue, and
   * backends read the kind to pick the window reduction.
   */
  readonly pooling?: 'max' | 'avg';
  /** Swapping the operands does not change the result (add, mul). */
  readonly commutative?: boolean;
  /**
   * The op works along the one axis its `axis` attribute names and cell by cell along the others
   * (pad, slice): op(transpose(x, p), axis a) = transpose(op(x, axis p[a]), p), which is how the
   * layout pass moves a transpose past it.
   */
  readonly alongAxis?: boolean;
  /**
   * Every row of the result depends only on the same row of each batched operand (an operand
   * with the batch axis `?`), so a batch may be split into row ranges and run piece by piece
   * (chunks, worker threads) with the same result. True for elementwise ops, products with a
   * constant right operand, softmax along a feature axis, reshape (it keeps axis 0); false for
   * whatever reads across the batch axis: reductions over it, gradient products summing over
   * it, seeded masks indexed over the whole batch. A function where it depends on the node (its
   * attributes, its operand types). Nodes without a batched operand are row-local whatever the
   * op (see isRowLocal in traits.ts).
   */
  readonly rowLocal: boolean | ((node: Node) => boolean);
  /**
   * The node is a product linear in its kernel (operand 1), plus at most a bias along its
   * result's last axis and no activation, and which kernel axes carry that output channel
   * (undefined where the node is no such product, say with an activation): scaling the kernel's
   * slice c and the bias's element c scales output channel c, which is how a following
   * per-channel affine map (batch norm) folds into it.
   */
  readonly channelProduct?: (node: Node) => ChannelProduct | undefined;
  /**
   * At inference the node is operand 0 times `scale` plus `shift` along its last axis (batch
   * norm), given the data of its operands (undefined where not constant); undefined when the
   * constants do not determine that (then it is no constant per-channel affine map).
   */
  readonly channelAffine?: (node: Node, operands: readonly (TensorData | undefined)[]) => ChannelAffine | undefined;
}

/** Where a channel product's output channel sits in its operands (see OpTraits.channelProduct). */
export interface ChannelProduct {
  /**
   * Consecutive kernel axes whose flattened index is the output channel: [3] for conv2d's
   * [kh, kw, c, f], [2, 3] for depthwise_conv2d's [kh, kw, c, m] (channel c·m + q), [2] for a
   * transposed convolution's [kh, kw, out, in].
   */
  readonly kernelAxes: readonly number[];
  /** The operand that is the bias, for ops that take one (dense, conv2d: 2); others get an `add`. */
  readonly biasOperand?: number;
}

/** y = x · scale[c] + shift[c] along the last axis, in float64 (folded once at build time). */
export interface ChannelAffine {
  readonly scale: Float64Array;
  readonly shift: Float64Array;
}

/**
 * The dtypes an op takes: each operand's dtype must be one of `operands`, and with `same` all
 * operands share one. The result's dtype is what inferType gives (e.g. 'same' as the operands for
 * add, bool for less, `to` for cast). Ops that declare none take f32 only.
 */
export interface DtypeRule {
  readonly operands: readonly DType[];
  readonly same?: boolean;
}

export const F32_ONLY: DtypeRule = { operands: ['f32'] };

/** Checks operand dtypes against the op's rule; a ShapeError names the op and the dtypes. */
export function checkDtypes(def: OpDef, inputs: readonly TensorType[]): void {
  const rule = def.dtypes ?? F32_ONLY;
  const bad = inputs.find((t) => !rule.operands.includes(t.dtype));
  if (bad) throw new ShapeError(`${def.name} takes ${rule.operands.join(' or ')}, got ${inputs.map((t) => t.dtype).join(', ')}`);
  if (rule.same && inputs.some((t) => t.dtype !== inputs[0]!.dtype))
    throw new ShapeError(`${def.name} takes operands of one dtype, got ${inputs.map((t) => t.dtype).join(', ')}`);
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
 * kernels by `name`; nothing else needs to change to add an op. `inferType`, `evaluate` and
 * `scalar` receive complete attributes (every declared attribute present, of its kind), so they
 * read `attrs.axis` directly, never a fallback.
 */
export interface OpDef {
  readonly name: string;
  readonly summary: string;
  /** Operand count, or 'variadic' (at least one). */
  readonly arity: number | 'variadic' | readonly [min: number, max: number];
  readonly attrs: Readonly<Record<string, AttrSpec>>;
  readonly traits: OpTraits;
  /** The operand dtypes it takes (absent: f32 only); checked before inferType. */
  readonly dtypes?: DtypeRule;
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
  /** What a node of this op becomes inside a training step, where it computes differently. */
  training?: TrainingForm;
}

/** What a training-form lowering may ask of the step graph it is emitted into. */
export interface TrainingContext {
  readonly b: GraphBuilder;
  /** The step's scalar random seed input (created on first use). */
  seed(): Node;
}

/**
 * The training-time form of an op (dropout's seeded mask, batch norm's batch statistics). State
 * operands are weights the step itself updates rather than the optimizer (batch norm's moving
 * mean and variance): the step graph reads each as a step input and writes the value `lower`
 * returns for it as the step output of the same name, which executors carry to the next step.
 */
export interface TrainingForm {
  /** Operand indices holding state the step updates; each must be a weight. */
  stateOperands?(node: Node): readonly number[];
  /** Emits the training form; `state` holds the new value of each state operand, in order. */
  lower(ctx: TrainingContext, node: Node, inputs: readonly Node[]): { readonly value: Node; readonly state?: readonly Node[] };
}
