/**
 * What the tfjs graph-model importer's op tables share: the GraphDef node as model.json stores it,
 * the context an op's build function gets, and small helpers for operands and attrs.
 */
import type { GraphBuilder } from '../../ir/builder.js';
import type { Node } from '../../ir/graph.js';
import { ignored, irAttrs, only, type AttrTable, type AttrValues } from './attributes.js';
import type { ManifestTensor } from './shared.js';
import type { SpaceToBatchPattern } from './tfjs-graph-dilated.js';

export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}
/** A TensorFlow AttrValue in protobuf's JSON form: one of these fields is set. */
export interface TfAttr {
  b?: boolean;
  f?: number | string;
  i?: string | number;
  s?: string;
  type?: string;
  shape?: TfShape;
  list?: { s?: string[]; i?: (string | number)[]; f?: (number | string)[]; b?: boolean[]; type?: string[]; shape?: TfShape[] };
  tensor?: unknown;
}
export interface TfShape {
  dim?: { size?: string | number }[];
  unknownRank?: boolean;
}

/** Stands for the batch size (known only at run time) inside a folded shape computation. */
export const BATCH = 'batch';
/**
 * An int32 tensor known at import: a Const, or a shape computation (Shape, StridedSlice, Pack)
 * folded while importing, whose entries are exact integers or the batch size.
 */
export interface KnownInts {
  readonly kind: 'ints';
  readonly shape: readonly number[];
  readonly values: readonly (number | typeof BATCH)[];
}
export const knownInts = (shape: readonly number[], values: readonly (number | typeof BATCH)[]): KnownInts => ({ kind: 'ints', shape, values });
export const isKnownInts = (v: unknown): v is KnownInts => (v as KnownInts | undefined)?.kind === 'ints';

export interface TfContext {
  readonly b: GraphBuilder;
  readonly path: string;
  readonly consts: ReadonlyMap<string, ManifestTensor>;
  /** Convolutions rewritten from SpaceToBatchND -> conv -> BatchToSpaceND, by node name. */
  readonly dilatedFrom: ReadonlyMap<string, SpaceToBatchPattern>;
  /** The IR value a reference names (a folded int tensor becomes a `const` when it holds no batch size). */
  /** The value `ref` names; undefined (an input the node lacks) is refused naming the node. */
  operand(ref: string | undefined): Node;
  /** The int32 tensor a reference names when it is known at import (a Const or a folded shape computation). */
  known(ref: string): KnownInts | undefined;
  /** The int32 tensor a reference names, known at import (a Const or a folded shape computation); refuses `n` otherwise. */
  ints(n: TfNode, ref: string | undefined): KnownInts;
  /** A weight computed from constants at import (a transposed matrix), made once per name. */
  derivedWeight(name: string, shape: number[], data: () => Float32Array): Node;
  /** Refuses the node for one attr's value, for a reason only its operands reveal. */
  refuse(n: TfNode, attr: string, value: unknown, why: string): never;
  refuseNode(n: TfNode, detail: string): never;
}

export interface TfOp {
  /** Every attr the op reads or ignores; any other attr present is refused. */
  readonly attrs: AttrTable;
  /**
   * For ops whose attrs select among forms (fused epilogues): the unsupported form's name, reported
   * as an unsupported op (`_FusedConv2D [BiasAdd, Tanh]`); undefined when supported.
   */
  readonly unsupportedForm?: (attrs: ReadonlyMap<string, unknown>) => string | undefined;
  /** The node's value, or its outputs `name:0`, `name:1`, ... (Split, Unpack). */
  build(n: TfNode, ctx: TfContext, attrs: Readonly<Record<string, unknown>>): TfValue;
}
export type TfValue = Node | KnownInts | Node[];

export const op = <T extends AttrTable>(attrs: T, build: (n: TfNode, ctx: TfContext, a: AttrValues<T>) => TfValue, unsupportedForm?: TfOp['unsupportedForm']): TfOp => ({
  attrs,
  build: build as TfOp['build'],
  ...(unsupportedForm ? { unsupportedForm } : {}),
});

/** Annotations TensorFlow adds to nodes that carry no meaning for the computation. */
export const ANNOTATIONS = { _output_shapes: ignored, _user_specified_name: ignored, _class: ignored } as const;
/** The element type of an op's operands: float32 for most ops. */
export const FLOAT_T = { ...ANNOTATIONS, T: only('DT_FLOAT') } as const;
/** Arithmetic and comparisons: float32 or int32 (integer semantics; int64 computed as int32, as tfjs does). */
export const NUMERIC_T = { ...ANNOTATIONS, T: only('DT_FLOAT', 'DT_INT32', 'DT_INT64') } as const;

/** The value a reference names: `^name` (control input) and `name:0` both read node `name`; `name:k` is its output k. */
export const refName = (ref: string) => ref.replace(/^\^/, '').replace(/:0$/, '');
/** The node a reference reads (any output of it). */
export const refNode = (ref: string) => ref.replace(/^\^/, '').replace(/:\d+$/, '');

export const dataInputs = (n: TfNode) => (n.input ?? []).filter((i) => !i.startsWith('^'));

/** The exact integers of a known int32 operand (a shape, axes, paddings); refused if one is the batch size. */
export function constValues(n: TfNode, ctx: TfContext, ref: string | undefined): number[] {
  const v = ctx.ints(n, ref);
  return v.values.map((x) => (x === BATCH ? ctx.refuseNode(n, `operand '${ref}' depends on the batch size, which is known only at run time`) : x));
}

/** The fused_ops list of a _FusedMatMul / _FusedConv2D node. */
export function fusedOps(attrs: ReadonlyMap<string, unknown>): string[] {
  const ops = attrs.get('fused_ops');
  return Array.isArray(ops) ? ops.map(String) : [];
}

/** TensorFlow dtypes as IR dtypes; int64 is computed as int32, as tensorflowjs_converter stores it. */
export const TF_DTYPES = { DT_FLOAT: 'f32', DT_INT32: 'i32', DT_INT64: 'i32', DT_BOOL: 'bool' } as const;
export type TfDtype = keyof typeof TF_DTYPES;

/** IR op `irOp` of the node's first data input, the IR attrs read from the node's. */
export const unary = (irOp: string, attrs: AttrTable = FLOAT_T) =>
  op(attrs, (n, { b, operand }, a) => b.op(irOp, [operand(dataInputs(n)[0])], irAttrs(irOp, a)));
/** The first two data inputs; a missing one is refused by `operand`, naming the node. */
export const twoOperands = (n: TfNode, operand: TfContext['operand']) => [0, 1].map((i) => operand(dataInputs(n)[i]));
/** IR op `irOp` of the first two data inputs (broadcasting as TensorFlow's binary ops do). */
export const binary = (irOp: string, attrs: AttrTable = FLOAT_T) => op(attrs, (n, { b, operand }) => b.op(irOp, twoOperands(n, operand)));
