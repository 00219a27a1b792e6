/**
 * Common-subexpression elimination: two nodes with the same op, the same operands, the same
 * attributes and the same type compute the same value, so the later one is replaced by the
 * earlier. Operands of commutative ops are compared as a set (add %a, %b equals add %b, %a).
 * Named sources (inputs, weights) are never merged; equal `const` literals are.
 *
 *   before                                   after
 *   %0 = matmul %x, %w : f32[?,3]            %0 = matmul %x, %w : f32[?,3]
 *   %1 = matmul %x, %w : f32[?,3]            %1 = add %0, %0 : f32[?,3]
 *   %2 = add %0, %1 : f32[?,3]               output "y" = %1
 *   output "y" = %2
 */
import { rebuild } from '../ir/builder.js';
import type { Graph, Node } from '../ir/graph.js';
import { printAttrs } from '../ir/printer.js';
import { formatType } from '../ir/types.js';

const COMMUTATIVE = new Set(['add', 'mul']);

export function eliminateCommonSubexpressions(graph: Graph): Graph {
  const seen = new Map<string, Node>();
  return rebuild(graph, (node, inputs, b) => {
    if (node.op === 'input' || node.op === 'weight' || node.results) return undefined; // multi-result nodes: copied as they are
    const operandIds = inputs.map((i) => i.id);
    if (COMMUTATIVE.has(node.op)) operandIds.sort((p, q) => p - q);
    const key = `${node.op}(${operandIds.join(',')})${printAttrs(node.attrs)}:${formatType(node.type)}`;
    const earlier = seen.get(key);
    if (earlier) return earlier;
    const copy = b.raw(node.op, inputs, node.attrs, node.type);
    seen.set(key, copy);
    return copy;
  });
}
