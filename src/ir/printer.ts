import { printedAttrs } from './attrs.js';
import type { AttrValue, Attrs, Graph, Node } from './graph.js';
import { opRegistry } from './ops/index.js';
import { formatType } from './types.js';

/**
 * Prints a graph as IR text, one node per line:
 *
 *   %input_1 = input : f32[?,28,28]
 *   %dense_1/kernel = weight : f32[784,128]
 *   %0 = reshape %input_1 {shape=[784]} : f32[?,784]
 *   %1 = matmul %0, %dense_1/kernel : f32[?,128]
 *   output "dense_1" = %1
 *
 * Inputs and weights keep their names; every other value is numbered in order. Attributes are
 * printed sorted by key, so equal graphs print equal text, and those equal to their op's default
 * are left out (except an op's axis), so the text stays short. The parser reads this back
 * exactly, defaults included.
 */
export function printGraph(graph: Graph): string {
  const names = valueNames(graph);
  const lines = graph.nodes.map((n) => printNode(n, names));
  for (const o of graph.outputs) lines.push(`output ${JSON.stringify(o.name)} = %${names.get(o.node)}`);
  return lines.join('\n') + '\n';
}

export function valueNames(graph: Graph): Map<Node, string> {
  const names = new Map<Node, string>();
  let next = 0;
  for (const n of graph.nodes) names.set(n, n.name ?? String(next++));
  return names;
}

export function printNode(n: Node, names: ReadonlyMap<Node, string>): string {
  const operands = n.inputs.map((i) => `%${names.get(i)}`).join(', ');
  const attrs = printAttrs(printedAttrs(opRegistry.get(n.op), n.attrs));
  return `%${names.get(n)} = ${n.op}${operands ? ' ' + operands : ''}${attrs ? ' ' + attrs : ''} : ${formatType(n.type)}`;
}

export function printAttrs(attrs: Attrs): string {
  const keys = Object.keys(attrs).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}=${printAttrValue(attrs[k]!)}`).join(', ')}}`;
}

function printAttrValue(v: AttrValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return printNumber(v);
  if (typeof v === 'boolean') return String(v);
  return `[${v.map(printNumber).join(',')}]`;
}

/** Shortest text that reads back as the same float64 (JS default), with -0 kept. */
function printNumber(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}
