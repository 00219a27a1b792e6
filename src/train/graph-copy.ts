import type { GraphBuilder } from '../ir/builder.js';
import { Graph, type Node } from '../ir/graph.js';

/**
 * Copies a graph's nodes into `b` (which may already hold nodes), letting `replace` substitute
 * any node (e.g. turn a weight into a step input); it sees the copies made so far. Returns old node -> new node.
 */
export function copyGraphInto(b: GraphBuilder, graph: Graph, replace: (node: Node, copied: ReadonlyMap<Node, Node>) => Node | undefined = () => undefined): Map<Node, Node> {
  const map = new Map<Node, Node>();
  for (const n of graph.nodes) {
    b.currentLayer = n.layer;
    let out = replace(n, map);
    if (!out) {
      if (n.op === 'weight') out = b.weight(n.name!, n.type, graph.weights.get(n.name!));
      else if (n.op === 'input') out = b.input(n.name!, n.type);
      else if (n.results) out = b.rawMulti(n.op, n.inputs.map((i) => map.get(i)!), n.attrs, n.results);
      else out = b.raw(n.op, n.inputs.map((i) => map.get(i)!), n.attrs, n.type);
    }
    map.set(n, out);
  }
  b.currentLayer = undefined;
  return map;
}

/**
 * The graph without nodes no output depends on (inputs are kept: they are the signature).
 * Gradient rules emit every operand's gradient, some of which nothing uses (e.g. the gradient
 * of the data input); this drops them.
 */
export function withoutDeadNodes(graph: Graph): Graph {
  const live = new Set<Node>();
  const stack = graph.outputs.map((o) => o.node);
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (live.has(n)) continue;
    live.add(n);
    stack.push(...n.inputs);
  }
  return new Graph(
    graph.nodes.filter((n) => live.has(n) || n.op === 'input'),
    graph.outputs,
    graph.weights,
  );
}
