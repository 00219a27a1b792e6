/**
 * Dead-code elimination: keeps only the nodes some graph output depends on, plus every model
 * input (the inputs are the model's signature even when unused). Weights no live node reads leave
 * the weight table. Other passes may leave the nodes they replaced behind; this pass sweeps them.
 *
 *   before                                   after
 *   %x = input : f32[?,4]                    %x = input : f32[?,4]
 *   %0 = relu %x : f32[?,4]                  %0 = tanh %x : f32[?,4]
 *   %1 = tanh %x : f32[?,4]                  output "y" = %0
 *   output "y" = %1
 */
import { Graph, type Node } from '../ir/graph.js';
import type { TensorData } from '../ir/tensor.js';

export function eliminateDeadCode(graph: Graph): Graph {
  const live = new Set<Node>(graph.outputs.map((o) => o.node));
  // Nodes are in topological order, so one backward sweep marks every transitive operand.
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i]!;
    if (live.has(n)) for (const operand of n.inputs) live.add(operand);
  }
  const nodes = graph.nodes.filter((n) => live.has(n) || n.op === 'input');
  const weights = new Map<string, TensorData>();
  for (const n of nodes) {
    const data = n.op === 'weight' ? graph.weights.get(n.name!) : undefined;
    if (data) weights.set(n.name!, data);
  }
  // Nodes are immutable values, so the survivors are shared with the input graph, not copied.
  return new Graph(nodes, graph.outputs, weights, graph.loop);
}
