/**
 * The IR graph as static SVG: one `<g class="node">` per IR node (ops as boxes; inputs, weights
 * and constants as rounded pills), one arrow per operand labelled with the operand's shape.
 * After the passes, a node that stands for other source nodes than itself (Node.origin: a fused
 * kernel, a folded weight) lists them inside its box, one small box each (`g.absorbed`: the
 * source node's value name in the graph before the passes, its op and type), under its own
 * attributes (`activation`, `residual`, `pool`, an elementwise `expr`). An edge between two
 * layout segments (see layout.ts) starts at a reference box naming the value it reads.
 */
import { printedAttrs } from '../ir/attrs.js';
import { originOf, type Graph, type Node } from '../ir/graph.js';
import { opRegistry } from '../ir/ops/index.js';
import { printAttrs, printNode, valueNames } from '../ir/printer.js';
import { formatType } from '../ir/types.js';
import { layoutGraph, REF_HEIGHT } from './layout.js';
import { esc, num } from './svg.js';

const CHAR_W = 6.6;
const LINE_H = 14;
const MAX_CHARS = 48;
/** Height of one absorbed node's box inside a fused node, and the gap above the first. */
const ABSORBED_H = LINE_H + 4;
const ABSORBED_GAP = 4;

const LEAF_OPS = new Set(['input', 'weight']);

const clip = (l: string) => (l.length > MAX_CHARS ? `${l.slice(0, MAX_CHARS - 1)}…` : l);

/** The lines of a node's box: its op and value name, then its attributes as IR text shows them (defaults left out). */
function boxLines(n: Node, name: string): string[] {
  const attrs = printAttrs(printedAttrs(opRegistry.get(n.op), n.attrs)).replace(/^\{|\}$/g, '');
  return [`${n.op} %${name}`, ...(attrs ? attrs.split(/, (?=[a-z_]+=)/) : []), ...(n.layer && !n.name ? [`(${n.layer})`] : [])].map(clip);
}

/**
 * The source nodes `n` is drawn as absorbing: its origin, unless that is one node of its own op
 * (a copy, or `n` itself in the graph before the passes).
 */
function absorbedNodes(n: Node): readonly Node[] {
  const origin = originOf(n);
  return origin.length === 1 && origin[0]!.op === n.op ? [] : origin;
}

/** Where the absorbed nodes are drawn from: the graph before the passes (value names, SVG keys). */
interface Sources {
  readonly names: ReadonlyMap<Node, string>;
  readonly keys: ReadonlyMap<Node, string>;
}

function absorbedLabel(o: Node, sources: Sources): string {
  const name = sources.names.get(o);
  return clip(`${name === undefined ? '' : `%${name} `}${o.op} ${formatType(o.type)}`);
}

/**
 * `graph` drawn with dagre's layout; `id` names the SVG (the report has one before and one after
 * the passes). `source`, for the graph after the passes, is the graph before them: fused nodes
 * list the nodes of it they absorbed, by its value names, and point to its SVG's nodes (`data-source`).
 */
export function graphSvg(graph: Graph, id: string, source?: Graph): string {
  const names = valueNames(graph);
  const sources: Sources = { names: source ? valueNames(source) : new Map(), keys: nodeKeys(source?.nodes ?? []) };
  const projections = graph.projections();
  const key = nodeKeys(graph.nodes);
  const lines = new Map(graph.nodes.map((n) => [n, boxLines(n, names.get(n)!)]));
  const absorbed = new Map(graph.nodes.map((n) => [n, source ? absorbedNodes(n).map((o) => ({ node: o, text: absorbedLabel(o, sources) })) : []]));
  const boxes = graph.nodes.map((n) => {
    const ls = [...lines.get(n)!, ...absorbed.get(n)!.map((a) => `${a.text}  `)];
    const inner = absorbed.get(n)!.length;
    return { id: key.get(n)!, width: Math.max(...ls.map((l) => l.length)) * CHAR_W + 16, height: lines.get(n)!.length * LINE_H + 10 + (inner ? ABSORBED_GAP + inner * ABSORBED_H : 0) };
  });
  const refText = (n: Node) => `↪ %${names.get(n)}`;
  const edges = graph.nodes.flatMap((n) =>
    n.inputs.map((i) => {
      const label = formatType(i.type);
      return { from: key.get(i)!, to: key.get(n)!, labelWidth: label.length * CHAR_W * 0.85, labelHeight: 12, text: label, refWidth: refText(i).length * CHAR_W + 12, ref: refText(i) };
    }),
  );
  // Graph outputs get a sink box each so that the output's name and shape are drawn too.
  const sinks = graph.outputs.map((o, i) => ({ id: `out${i}`, name: o.name, node: o.node }));
  const sinkBoxes = sinks.map((s) => ({ id: s.id, width: (`output ${s.name}`.length + 2) * CHAR_W, height: LINE_H + 10 }));
  const sinkEdges = sinks.map((s) => {
    const text = formatType(s.node.type);
    return { from: key.get(s.node)!, to: s.id, labelWidth: text.length * CHAR_W * 0.85, labelHeight: 12, text, refWidth: refText(s.node).length * CHAR_W + 12, ref: refText(s.node) };
  });
  const allEdges = [...edges, ...sinkEdges];
  const layout = layoutGraph([...boxes, ...sinkBoxes], allEdges);
  const parts: string[] = layout.breaks.map((y) => `<line class="break" x1="0" x2="${num(layout.width)}" y1="${num(y)}" y2="${num(y)}"/>`);
  allEdges.forEach((e, i) => {
    const { points, label, ref } = layout.edges[i]!;
    if (ref) {
      const w = e.refWidth;
      parts.push(
        `<g class="ref"><rect x="${num(ref.x - w / 2)}" y="${num(ref.y - REF_HEIGHT / 2)}" width="${num(w)}" height="${REF_HEIGHT}" rx="9"/>` +
          `<text x="${num(ref.x)}" y="${num(ref.y + 4)}">${esc(e.ref)}</text></g>`,
      );
    }
    parts.push(
      `<path class="edge" d="M${points.map((p) => `${num(p.x)},${num(p.y)}`).join('L')}" marker-end="url(#${id}-arrow)"/>`,
      `<text class="shape" x="${num(label.x)}" y="${num(label.y + 4)}">${esc(e.text)}</text>`,
    );
  });
  graph.nodes.forEach((n, i) => {
    const box = boxes[i]!;
    const c = layout.boxes.get(box.id)!;
    const top = c.y - box.height / 2;
    const leaf = LEAF_OPS.has(n.op) || n.inputs.length === 0;
    const title = printNode(n, names, projections.get(n) ?? []);
    const own = lines.get(n)!;
    const text = own.map((l, j) => `<text x="${num(c.x)}" y="${num(top + 5 + LINE_H * (j + 0.8))}"${j ? ' class="attr"' : ''}>${esc(l)}</text>`).join('');
    const inner = absorbed.get(n)!;
    const innerTop = top + 5 + own.length * LINE_H + ABSORBED_GAP;
    const innerBoxes = inner
      .map((a, j) => {
        const y = innerTop + j * ABSORBED_H;
        const sourceKey = sources.keys.get(a.node);
        return (
          `<g class="absorbed" data-op="${esc(a.node.op)}"${sourceKey ? ` data-source="${sourceKey}"` : ''}>` +
          `<rect x="${num(c.x - box.width / 2 + 6)}" y="${num(y)}" width="${num(box.width - 12)}" height="${ABSORBED_H - 2}" rx="2"/>` +
          `<text x="${num(c.x)}" y="${num(y + LINE_H * 0.85)}">${esc(a.text)}</text></g>`
        );
      })
      .join('');
    parts.push(
      `<g class="node ${leaf ? 'leaf' : 'op'}${inner.length ? ' fused' : ''}" data-op="${esc(n.op)}"><title>${esc(title)}</title>` +
        `<rect x="${num(c.x - box.width / 2)}" y="${num(top)}" width="${num(box.width)}" height="${num(box.height)}" rx="${leaf ? 10 : 3}"/>${text}${innerBoxes}</g>`,
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

/** The SVG key of each node (`n<index>`): the same in the SVG and in the data-source of absorbed nodes. */
function nodeKeys(nodes: readonly Node[]): Map<Node, string> {
  return new Map(nodes.map((n, i) => [n, `n${i}`]));
}
