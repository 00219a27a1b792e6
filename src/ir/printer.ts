import { printedAttrs } from './attrs.js';
import { RESULT_OP, type AttrValue, type Attrs, type Graph, type Node } from './graph.js';
import { opRegistry } from './ops/index.js';
import { printLoop } from './time-loop.js';
import { formatType } from './types.js';

/**
 * Prints a graph as IR text, one node per line:
 *
 *   %flatten_input = input : f32[?,28,28]
 *   %dense/kernel = weight : f32[784,128]
 *   %0 = reshape %flatten_input {shape=[784]} : f32[?,784]
 *   %1 = matmul %0, %dense/kernel : f32[?,128]
 *   output "dense" = %1
 *
 * Inputs and weights keep their names; every other value is numbered in order. Attributes are
 * printed sorted by key, so equal graphs print equal text, and those equal to their op's default
 * are left out (except an op's axis), so the text stays short. The parser reads this back
 * exactly, defaults included. A multi-result node prints its projections' names on its own
 * line, `_` for a result nothing projects, and one type per result; the projections have no
 * line of their own:
 *
 *   %1, _ = split %0 {axis=1, sizes=[2,3]} : f32[?,2], f32[?,3]
 */
export function printGraph(graph: Graph): string {
  const projections = graph.projections();
  const names = valueNames(graph, projections);
  const shown = graph.nodes.filter((n) => !isNamedAtProducer(n, projections));
  const lines = shown.map((n) => printNode(n, names, projections.get(n)));
  for (const o of graph.outputs) lines.push(`output ${JSON.stringify(o.name)} = %${names.get(o.node)}`);
  if (graph.loop) lines.push(...printLoop(graph.loop));
  return lines.join('\n') + '\n';
}

/**
 * The printed name of every node. Projections are numbered on their producer's line, in result
 * order; a multi-result node itself goes by its first projection's name (for diagnostics).
 */
export function valueNames(graph: Graph, projections: ReadonlyMap<Node, readonly (Node | undefined)[]> = graph.projections()): Map<Node, string> {
  const names = new Map<Node, string>();
  let next = 0;
  for (const n of graph.nodes) {
    if (names.has(n)) continue;
    const results = projections.get(n);
    if (!results) {
      names.set(n, n.name ?? String(next++));
      continue;
    }
    for (const p of results) if (p && !names.has(p)) names.set(p, String(next++));
    const first = results.find((p) => p !== undefined);
    names.set(n, first ? names.get(first)! : '_');
  }
  return names;
}

/** True for a projection printed on its producer's line rather than on a line of its own. */
function isNamedAtProducer(n: Node, projections: ReadonlyMap<Node, readonly (Node | undefined)[]>): boolean {
  return n.op === RESULT_OP && projections.get(n.inputs[0]!)?.includes(n) === true;
}

export function printNode(n: Node, names: ReadonlyMap<Node, string>, projections: readonly (Node | undefined)[] = []): string {
  const operands = n.inputs.map((i) => `%${names.get(i)}`).join(', ');
  const attrs = printAttrs(printedAttrs(opRegistry.get(n.op), n.attrs));
  const lhs = n.results ? n.results.map((_, k) => (projections[k] ? `%${names.get(projections[k])}` : '_')).join(', ') : `%${names.get(n)}`;
  const type = (n.results ?? [n.type]).map(formatType).join(', ');
  return `${lhs} = ${n.op}${operands ? ' ' + operands : ''}${attrs ? ' ' + attrs : ''} : ${type}`;
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
