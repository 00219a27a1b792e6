/**
 * Constant folding: a node whose operands are all constants (`const` nodes, or weights whose data
 * the graph holds) is evaluated once, at compile time, by the reference interpreter, so the
 * folded value is bit-for-bit what the unfolded graph would compute.
 *
 * The result replaces the node as a `const` when every operand was a `const` (literals stay
 * literal), and otherwise as a new weight named `<first weight operand>.<op>` (data stays in the
 * weight table, out of the IR text). Size rule: a result is materialized only if it has at most
 * FOLD_LIMIT elements or no more elements than its largest operand, so folding never blows up
 * the model (an outer-product broadcast of two vectors stays a computation). Values with a batch
 * axis are never constant.
 *
 *   before                                       after
 *   %a = const {value=[1,2]} : f32[2]            %a = const {value=[1,2]} : f32[2]
 *   %0 = relu %a : f32[2]                        %0 = const {value=[1,2]} : f32[2]
 *   %1 = add %x, %0 : f32[?,2]                   %1 = add %x, %0 : f32[?,2]
 */
import { GraphBuilder, rebuild } from '../ir/builder.js';
import type { Graph, Node } from '../ir/graph.js';
import { interpret } from '../ir/interpreter.js';
import { dataOf, type TensorData } from '../ir/tensor.js';
import { elementCount } from '../ir/types.js';

/** Results up to this many elements are always folded; larger ones only if they do not grow. */
export const FOLD_LIMIT = 1024;

export function foldConstants(graph: Graph): Graph {
  const taken = new Set(graph.nodes.flatMap((n) => (n.name === undefined ? [] : [n.name])));
  const weightData = new Map(graph.weights);
  const isConstant = (n: Node) => n.op === 'const' || (n.op === 'weight' && weightData.has(n.name!));

  return rebuild(graph, (node, inputs, b) => {
    if (inputs.length === 0 || node.results || !inputs.every(isConstant) || !worthFolding(node, inputs)) return undefined;
    const value = evaluateOnce(node, inputs.map((i) => constantData(i, weightData)));
    const firstWeight = inputs.find((i) => i.op === 'weight');
    // The folded value stands for the node and the constants it was computed from.
    if (!firstWeight) return b.absorb(b.constant([...value], node.type), ...inputs);
    const name = freshName(`${firstWeight.name}.${node.op}`, taken);
    weightData.set(name, value);
    return b.absorb(b.weight(name, node.type, value), ...inputs);
  });
}

function worthFolding(node: Node, inputs: readonly Node[]): boolean {
  if (node.type.shape.includes(null)) return false;
  const size = elementCount(node.type.shape);
  return size <= FOLD_LIMIT || size <= Math.max(...inputs.map((i) => elementCount(i.type.shape)));
}

/** Runs the node alone in a one-node graph through the reference interpreter, its operands given as data. */
export function evaluateOnce(node: Node, operands: readonly TensorData[]): TensorData {
  const b = new GraphBuilder();
  const inputs = node.inputs.map((x, k) => b.weight(`operand${k}`, x.type, operands[k]));
  b.output('value', b.raw(node.op, inputs, node.attrs, node.type));
  return interpret(b.build(), {}).value!.data;
}

/** The data of a `const` node or of a weight the graph holds. */
const constantData = (n: Node, weightData: ReadonlyMap<string, TensorData>): TensorData => (n.op === 'weight' ? weightData.get(n.name!)! : dataOf(n.type.dtype, n.attrs.value as readonly number[]));

/** `base`, or `base_2`, `base_3`, ... : the first name not yet taken (then taken). */
export function freshName(base: string, taken: Set<string>): string {
  let name = base;
  for (let k = 2; taken.has(name); k++) name = `${base}_${k}`;
  taken.add(name);
  return name;
}
