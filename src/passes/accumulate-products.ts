/**
 * Sums into products: `add %s, %p`, where %p is a matmul_tn that nothing else reads and %s has
 * the result's type, becomes `matmul_tn %a, %b, %s` (the accumulator operand: aᵀ b + s). A weight
 * read at every step of an unrolled sequence gets one gradient product per step, which autodiff
 * sums as they come; after this pass each product adds itself into the running sum in its GEMM's
 * store. The separate sum (one pass over every product, all of them live until it runs: 27
 * buffers of 256 KB for an LSTM(128)'s recurrent kernel) is gone, and one running sum stays in cache.
 *
 *   before                                          after
 *   %2 = matmul_tn %h0, %g0 : f32[128,512]           %2 = matmul_tn %h0, %g0 : f32[128,512]
 *   %3 = matmul_tn %h1, %g1 : f32[128,512]           %4 = matmul_tn %h1, %g1, %2 : f32[128,512]
 *   %4 = add %2, %3 : f32[128,512]
 */
import { rebuild } from '../ir/builder.js';
import type { Graph, Node } from '../ir/graph.js';
import { sameType } from '../ir/types.js';

/** How many nodes and outputs read each node. */
function readers(graph: Graph): Map<Node, number> {
  const count = new Map<Node, number>();
  const read = (n: Node) => count.set(n, (count.get(n) ?? 0) + 1);
  for (const n of graph.nodes) n.inputs.forEach(read);
  for (const o of graph.outputs) read(o.node);
  return count;
}

export function accumulateProducts(graph: Graph): Graph {
  const uses = readers(graph);
  /** A product only this sum reads, which may take the other operand as its accumulator. */
  const foldable = (p: Node, sum: Node) => p.op === 'matmul_tn' && p.inputs.length === 2 && uses.get(p) === 1 && sameType(p.type, sum.type);
  return rebuild(graph, (node, inputs, b) => {
    if (node.op !== 'add' || !node.inputs.every((x) => sameType(x.type, node.type))) return undefined;
    const [x, y] = node.inputs as [Node, Node];
    // The later product folds (the earlier one may be the running sum already).
    const which = foldable(y, node) ? 1 : foldable(x, node) ? 0 : -1;
    if (which < 0 || x === y) return undefined;
    const product = inputs[which]!;
    const accumulator = inputs[1 - which]!;
    return b.absorb(b.raw('matmul_tn', [product.inputs[0]!, product.inputs[1]!, accumulator], {}, node.type), node.inputs[which]!);
  });
}
