/**
 * Reverse-mode automatic differentiation as an IR transformation: given a scalar loss node, it
 * appends the nodes computing ∂loss/∂x for each requested node x to the same builder. The sweep
 * visits the loss's ancestors in reverse topological order, asks each op's registry entry for
 * its gradient rule, and sums gradients where a value fans out to several users. Gradients of a
 * multi-result node's values gather on its projections; the node's `gradientResults` rule then
 * gets one per result (null for a result no gradient reached).
 *
 *   %y = matmul %x, %w        ──►   %gw = matmul_tn %x, %gy
 */
import { NncError } from '../errors.js';
import type { GraphBuilder } from '../ir/builder.js';
import { Graph, RESULT_OP, type Node } from '../ir/graph.js';
import { copyInto, GraphBuilder as Builder } from '../ir/builder.js';
import { opRegistry } from '../ir/ops/index.js';
import { tensorType } from '../ir/types.js';

/** The ancestors of `root` (itself included) in topological order (builder ids grow that way). */
function ancestors(root: Node): Node[] {
  const seen = new Set<Node>();
  const stack = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...n.inputs);
  }
  return [...seen].sort((a, c) => a.id - c.id);
}

/** Appends the gradient of the scalar `loss` with respect to each of `wrt` (in that order). */
export function appendGradients(b: GraphBuilder, loss: Node, wrt: readonly Node[]): Node[] {
  if (loss.type.shape.length !== 0) throw new NncError('NNC5005', `the loss must be a scalar, got shape [${loss.type.shape.join(',')}]`);
  const order = ancestors(loss);
  // Only values that depend on a requested node carry a gradient worth computing.
  const active = new Set<Node>(wrt);
  for (const n of order) if (n.inputs.some((i) => active.has(i))) active.add(n);
  /** The gradient reaching each value so far: the sum of its users' parts, added as they come. */
  const pending = new Map<Node, Node>([[loss, b.constant([1], tensorType([]))]]);
  const total = (n: Node): Node | undefined => pending.get(n);
  // The gradient reaching each result of a multi-result node, gathered from its projections.
  const resultGrads = new Map<Node, (Node | null)[]>();
  const noRule = (node: Node): never => {
    throw new NncError('NNC5005', `op '${node.op}' has no gradient rule, so the model cannot be trained through it`, {
      ...(node.layer ? { location: { layer: node.layer } } : {}),
    });
  };
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k]!;
    if (!active.has(node) || node.inputs.length === 0) continue;
    let inputGrads: readonly (Node | null)[];
    if (node.op === RESULT_OP) {
      const g = total(node);
      const producer = node.inputs[0]!;
      if (!g || !producer.results) continue;
      const grads = resultGrads.get(producer) ?? producer.results.map(() => null);
      const index = Number(node.attrs.index);
      grads[index] = grads[index] ? b.op('add', [grads[index], g]) : g;
      resultGrads.set(producer, grads);
      continue;
    }
    if (node.results) {
      const grads = resultGrads.get(node);
      if (!grads) continue;
      const rule = opRegistry.get(node.op)?.gradientResults ?? noRule(node);
      b.currentLayer = node.layer;
      inputGrads = rule(b, node, grads);
    } else {
      const g = total(node);
      if (!g) continue;
      const rule = opRegistry.get(node.op)?.gradient ?? noRule(node);
      b.currentLayer = node.layer;
      inputGrads = rule(b, node, g);
    }
    node.inputs.forEach((input, i) => {
      const gi = inputGrads[i];
      if (!gi || !active.has(input)) return;
      // Summed as they come, not when `input` is reached: a weight read at every step of a
      // sequence then keeps one running sum live, not one gradient per step until the end.
      const sum = pending.get(input);
      pending.set(input, sum ? b.op('add', [sum, gi]) : gi);
    });
  }
  b.currentLayer = undefined;
  // A requested value the loss does not depend on has a zero gradient.
  return wrt.map((w) => total(w) ?? b.op('elementwise', [w], { expr: '0' }));
}

/**
 * A graph computing the output `lossOutput` of `graph` (a scalar) and its gradient with respect
 * to the named weights and inputs: outputs `loss` and `grad:<name>` for each name.
 */
export function gradientGraph(graph: Graph, lossOutput: string, wrt: readonly string[]): Graph {
  const b = new Builder();
  const map = copyInto(b, graph);
  const loss = graph.outputs.find((o) => o.name === lossOutput);
  if (!loss) throw new NncError('NNC5005', `graph has no output '${lossOutput}'`);
  const targets = wrt.map((name) => {
    const n = graph.nodes.find((x) => (x.op === 'weight' || x.op === 'input') && x.name === name);
    if (!n) throw new NncError('NNC5005', `graph has no weight or input named '${name}'`);
    return map.get(n)!;
  });
  const lossNode = map.get(loss.node)!;
  const grads = appendGradients(b, lossNode, targets);
  b.output('loss', lossNode);
  wrt.forEach((name, i) => b.output(`grad:${name}`, grads[i]!));
  return b.build();
}
