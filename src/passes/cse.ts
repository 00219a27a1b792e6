/**
 * Common-subexpression elimination: two nodes with the same op, the same operands, the same
 * attributes and the same type compute the same value, so the later one is replaced by the
 * earlier. Attributes are compared as values, defaults included (every node carries them all):
 * `softmax %x {axis=-1}` and `softmax %x` are one node. Operands of commutative ops (the
 * `commutative` trait: add, mul) are compared as a set (add %a, %b equals add %b, %a).
 * Named sources (inputs, weights) are never merged; equal `const` literals are.
 *
 *   before                                   after
 *   %0 = matmul %x, %w : f32[?,3]            %0 = matmul %x, %w : f32[?,3]
 *   %1 = matmul %x, %w : f32[?,3]            %1 = add %0, %0 : f32[?,3]
 *   %2 = add %0, %1 : f32[?,3]               output "y" = %1
 *   output "y" = %2
 */
import { sameAttrs } from '../ir/attrs.js';
import { rebuild } from '../ir/builder.js';
import type { Graph, Node } from '../ir/graph.js';
import { isCommutativeOp } from '../ir/traits.js';
import { formatType } from '../ir/types.js';

export function eliminateCommonSubexpressions(graph: Graph): Graph {
  // Nodes by op, operands and type; within one key, candidates differ only in their attributes.
  const seen = new Map<string, Node[]>();
  return rebuild(graph, (node, inputs, b) => {
    if (node.op === 'input' || node.op === 'weight' || node.results) return undefined; // multi-result nodes: copied as they are
    const operandIds = inputs.map((i) => i.id);
    if (isCommutativeOp(node.op)) operandIds.sort((p, q) => p - q);
    const key = `${node.op}(${operandIds.join(',')}):${formatType(node.type)}`;
    const candidates = seen.get(key) ?? [];
    const earlier = candidates.find((c) => sameAttrs(c.attrs, node.attrs));
    if (earlier) return earlier;
    const copy = b.raw(node.op, inputs, node.attrs, node.type);
    candidates.push(copy);
    seen.set(key, candidates);
    return copy;
  });
}
