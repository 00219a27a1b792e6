/**
 * The IR graph as static SVG: one `<g class="node">` per IR node (ops as boxes; inputs, weights
 * and constants as rounded pills), one arrow per operand labelled with the operand's shape.
 * After the passes a fused node's attributes say what it absorbed (`activation`, `residual`,
 * `pool`, an elementwise `expr`), so its box lists them under the op name.
 */
import { printedAttrs } from '../ir/attrs.js';
import type { Graph, Node } from '../ir/graph.js';
import { opRegistry } from '../ir/ops/index.js';
import { printAttrs, printNode, valueNames } from '../ir/printer.js';
import { formatType } from '../ir/types.js';
import { layoutGraph } from './layout.js';
import { esc, num } from './svg.js';

const CHAR_W = 6.6;
const LINE_H = 14;
const MAX_CHARS = 48;

const LEAF_OPS = new Set(['input', 'weight']);

/** The lines of a node's box: its op (and name), then its attributes as IR text shows them (defaults left out), each line clipped. */
function boxLines(n: Node): string[] {
  const head = n.name ? `${n.op} ${n.name}` : n.op;
  const attrs = printAttrs(printedAttrs(opRegistry.get(n.op), n.attrs)).replace(/^\{|\}$/g, '');
  const lines = [head, ...(attrs ? attrs.split(/, (?=[a-z_]+=)/) : []), ...(n.layer && !n.name ? [`(${n.layer})`] : [])];
  return lines.map((l) => (l.length > MAX_CHARS ? `${l.slice(0, MAX_CHARS - 1)}…` : l));
}

/** `graph` drawn with dagre's layout; `id` names the SVG (the report has one before and one after the passes). */
export function graphSvg(graph: Graph, id: string): string {
  const names = valueNames(graph);
  const projections = graph.projections();
  const key = new Map(graph.nodes.map((n, i) => [n, `n${i}`]));
  const lines = new Map(graph.nodes.map((n) => [n, boxLines(n)]));
  const boxes = graph.nodes.map((n) => {
    const ls = lines.get(n)!;
    return { id: key.get(n)!, width: Math.max(...ls.map((l) => l.length)) * CHAR_W + 16, height: ls.length * LINE_H + 10 };
  });
  const edges = graph.nodes.flatMap((n) =>
    n.inputs.map((i) => {
      const label = formatType(i.type);
      return { from: key.get(i)!, to: key.get(n)!, labelWidth: label.length * CHAR_W * 0.85, labelHeight: 12, text: label };
    }),
  );
  // Graph outputs get a sink box each so that the output's name and shape are drawn too.
  const sinks = graph.outputs.map((o, i) => ({ id: `out${i}`, name: o.name, node: o.node }));
  const sinkBoxes = sinks.map((s) => ({ id: s.id, width: (`output ${s.name}`.length + 2) * CHAR_W, height: LINE_H + 10 }));
  const sinkEdges = sinks.map((s) => {
    const text = formatType(s.node.type);
    return { from: key.get(s.node)!, to: s.id, labelWidth: text.length * CHAR_W * 0.85, labelHeight: 12, text };
  });
  const allEdges = [...edges, ...sinkEdges];
  const layout = layoutGraph([...boxes, ...sinkBoxes], allEdges);
  const parts: string[] = [];
  allEdges.forEach((e, i) => {
    const { points, label } = layout.edges[i]!;
    parts.push(
      `<path class="edge" d="M${points.map((p) => `${num(p.x)},${num(p.y)}`).join('L')}" marker-end="url(#${id}-arrow)"/>`,
      `<text class="shape" x="${num(label.x)}" y="${num(label.y + 4)}">${esc(e.text)}</text>`,
    );
  });
  graph.nodes.forEach((n, i) => {
    const box = boxes[i]!;
    const c = layout.boxes.get(box.id)!;
    const leaf = LEAF_OPS.has(n.op) || n.inputs.length === 0;
    const title = printNode(n, names, projections.get(n) ?? []);
    const text = lines
      .get(n)!
      .map((l, j) => `<text x="${num(c.x)}" y="${num(c.y - box.height / 2 + 5 + LINE_H * (j + 0.8))}"${j ? ' class="attr"' : ''}>${esc(l)}</text>`)
      .join('');
    parts.push(
      `<g class="node ${leaf ? 'leaf' : 'op'}" data-op="${esc(n.op)}"><title>${esc(title)}</title>` +
        `<rect x="${num(c.x - box.width / 2)}" y="${num(c.y - box.height / 2)}" width="${num(box.width)}" height="${num(box.height)}" rx="${leaf ? 10 : 3}"/>${text}</g>`,
    );
  });
  sinks.forEach((s, i) => {
    const box = sinkBoxes[i]!;
    const c = layout.boxes.get(s.id)!;
    parts.push(
      `<g class="sink"><rect x="${num(c.x - box.width / 2)}" y="${num(c.y - box.height / 2)}" width="${num(box.width)}" height="${num(box.height)}" rx="10"/>` +
        `<text x="${num(c.x)}" y="${num(c.y + 4)}">output ${esc(s.name)}</text></g>`,
    );
  });
  return (
    `<svg id="${id}" class="graph" xmlns="http://www.w3.org/2000/svg" width="${num(layout.width)}" height="${num(layout.height)}" viewBox="0 0 ${num(layout.width)} ${num(layout.height)}">` +
    `<defs><marker id="${id}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z"/></marker></defs>` +
    `${parts.join('')}</svg>`
  );
}
