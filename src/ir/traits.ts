/**
 * Reading op traits (declared by each op in its OpDef, see OpTraits in registry.ts). Passes,
 * backends and bundles ask these questions instead of keeping lists of op names.
 */
import type { Graph, Node } from './graph.js';
import { opRegistry } from './ops/index.js';
import type { ChannelProduct, OpTraits } from './registry.js';

/** An op nnc does not know has no traits (and is never row-local). */
const UNKNOWN: OpTraits = { rowLocal: false };

export function opTraits(op: string): OpTraits {
  return opRegistry.get(op)?.traits ?? UNKNOWN;
}

/** input, weight, const: no operands, the value comes from outside the computation. */
export const isSourceOp = (op: string): boolean => opTraits(op).source !== undefined;
/** weight, const: values known when the model is compiled, kept outside the activation arena. */
export const isConstantOp = (op: string): boolean => opTraits(op).source === 'constant';
/** reshape: the result reinterprets operand 0's bytes. */
export const isViewOp = (op: string): boolean => opTraits(op).view === true;
/** The value whose bytes a view (reshape, possibly chained) reads; any other node is itself. */
export function viewedValue(node: Node): Node {
  let n = node;
  while (isViewOp(n.op)) n = n.inputs[0]!;
  return n;
}
/** identity, dropout: the result is operand 0 at inference. */
export const isPassThroughOp = (op: string): boolean => opTraits(op).passThrough === true;
/** Ops with scalar math (add, relu, the fused elementwise, ...). */
export const isElementwiseOp = (op: string): boolean => opTraits(op).elementwise === true;
/** dense, conv2d, depthwise_conv2d: a bias and an activation can run in the kernel's epilogue. */
export const hasEpilogue = (op: string): boolean => opTraits(op).epilogue === true;
export const isCommutativeOp = (op: string): boolean => opTraits(op).commutative === true;
export const isAlongAxisOp = (op: string): boolean => opTraits(op).alongAxis === true;

/** Which kernel axes (and bias operand) carry a product's output channel, or undefined (see OpTraits.channelProduct). */
export const channelProductOf = (node: Node): ChannelProduct | undefined => opTraits(node.op).channelProduct?.(node);

/** The axis of a shape that is the symbolic batch axis `?`, or -1. */
export const batchAxisOf = (shape: readonly (number | null)[]): number => shape.indexOf(null);

/**
 * Whether every row of the node's result depends only on the same row of its batched operands.
 * A node none of whose operands has a batch axis computes the same for every batch: row-local.
 */
export function isRowLocal(node: Node): boolean {
  if (!node.inputs.some((i) => batchAxisOf(i.type.shape) >= 0)) return true;
  const rule = opTraits(node.op).rowLocal;
  return typeof rule === 'function' ? rule(node) : rule;
}

/** The nodes that read across the batch, in graph order (empty when the graph is row-local). */
export function nonRowLocalNodes(graph: Graph): Node[] {
  return graph.nodes.filter((n) => !isRowLocal(n));
}

/**
 * True when every node is row-local: a batch may then run in row ranges (chunks, workers) with
 * the same result as in one piece.
 */
export function graphIsRowLocal(graph: Graph): boolean {
  return nonRowLocalNodes(graph).length === 0;
}
