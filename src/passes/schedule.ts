/**
 * Batch reductions run as soon as their operands are ready. Autodiff places a step's bias and
 * weight gradients where it reaches their forward node, and for an unrolled sequence that is
 * after the whole backward recurrence: the LSTM example's 28 input-kernel products (xₜᵀ·dGₜ)
 * and bias sums (Σ dGₜ) each re-read their step's gate gradients (64 KB at batch 32) at the end,
 * when all 28 of them were still live (1.8 MB, past L2) and long out of cache. Run right after
 * dGₜ is made they read it hot, and it dies there.
 *
 * A batch reduction: a node whose result has no batch axis, reading a computed value that has
 * one (reduce_sum over the batch, matmul_tn's weight gradients). Its result is small beside the
 * value it reads (it has no batch axis), so it may wait a while for its reader at little cost:
 * the LSTM step's peak, at the turn from forward to backward, grew 2 % (7.07 → 7.24 MB). Every
 * other node keeps its place; the order stays topological.
 */
import { Graph, type Node } from '../ir/graph.js';
import { isConstantOp } from '../ir/traits.js';

const batched = (n: Node) => n.type.shape.includes(null);
const computed = (n: Node) => n.op !== 'input' && n.op !== 'weight' && !isConstantOp(n.op);

/** Whether `n` reduces a computed batch-sized value to one without a batch axis. */
const isBatchReduction = (n: Node) => computed(n) && !n.results && !batched(n) && n.inputs.some((x) => computed(x) && batched(x));

export function scheduleReductions(graph: Graph): Graph {
  const placed = new Set<Node>();
  const order: Node[] = [];
  const readers = new Map<Node, Node[]>();
  for (const n of graph.nodes) for (const x of new Set(n.inputs)) if (isBatchReduction(n)) readers.set(x, [...(readers.get(x) ?? []), n]);
  const ready = (n: Node) => n.inputs.every((x) => placed.has(x));
  /** Places `n`, then every batch reduction it made ready (and those theirs made ready), in graph order. */
  const place = (n: Node): void => {
    placed.add(n);
    order.push(n);
    for (const r of readers.get(n) ?? []) if (!placed.has(r) && ready(r)) place(r);
  };
  for (const n of graph.nodes) if (!placed.has(n)) place(n);
  return order.every((n, i) => n === graph.nodes[i]) ? graph : new Graph(order, graph.outputs, graph.weights, graph.loop);
}
