/**
 * Canonicalize: one spelling for each computation, so later passes match fewer patterns.
 * - Pass-through ops (`identity`, and `dropout`, the identity at inference) vanish: users read
 *   their operand.
 * - A reshape states its target without -1 (the resolved per-row shape), so CSE sees equal
 *   reshapes as equal.
 * - Reshape chains collapse: reshape(reshape(x)) is one reshape of x (reshapes keep the element
 *   order, so only the last target matters), and a reshape to the operand's own type vanishes.
 * Flatten layers already arrive as reshapes (the frontend lowers them so). The replaced nodes
 * may stay behind unused; DCE removes them.
 *
 *   before                                           after
 *   %0 = reshape %x {shape=[-1]} : f32[?,24]         %0 = reshape %x {shape=[24]} : f32[?,24]
 *   %1 = dropout %0 {rate=0.5} : f32[?,24]           %1 = reshape %x {shape=[6,4]} : f32[?,6,4]
 *   %2 = reshape %1 {shape=[6,4]} : f32[?,6,4]       output "y" = %1
 *   output "y" = %2
 */
import { rebuild } from '../ir/builder.js';
import type { Graph, Node } from '../ir/graph.js';
import { isPassThroughOp } from '../ir/traits.js';
import { sameType } from '../ir/types.js';
import { reshapeAttrs } from '../ir/ops/reshape.js';

export function canonicalize(graph: Graph): Graph {
  return rebuild(graph, (node, inputs, b) => {
    if (isPassThroughOp(node.op)) return inputs[0];
    if (node.op !== 'reshape') return undefined;
    const chain: Node[] = [];
    let source = inputs[0]!;
    while (source.op === 'reshape') {
      chain.push(source);
      source = source.inputs[0]!;
    }
    // The collapsed reshape (or the operand it vanishes into) stands for the reshapes it skips.
    if (sameType(source.type, node.type)) return b.absorb(source, ...chain);
    return b.absorb(b.raw('reshape', [source], reshapeAttrs(node.type.shape), node.type), ...chain);
  });
}
