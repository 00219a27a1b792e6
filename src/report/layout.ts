/**
 * Graph layout for the build report: dagre (a maintained Sugiyama-style layered layout) places
 * boxes and routes edges in Node at build time, so the report is static SVG and needs no script.
 *
 * Dagre's cost grows faster than the graph: an edge spanning k ranks becomes k dummy nodes (an
 * unrolled LSTM's recurrent kernel feeds every step, so its 500 nodes lay out in ~10 s), and its
 * recursive passes overflow the stack near 5000 nodes. So a large graph is laid out in segments:
 * bands of consecutive ranks of about SEGMENT_NODES boxes, each laid out by dagre alone and
 * stacked top to bottom. An edge between two segments, or one spanning more than MAX_SPAN ranks,
 * is not routed: it enters its target from a reference box (`ref`, placed by dagre just above the
 * target) that names the value it reads. Layout time is then linear in the graph's size; a small
 * graph without long edges is laid out as one dagre graph, as before.
 */
import dagre from '@dagrejs/dagre';

export interface LayoutBox {
  readonly id: string;
  readonly width: number;
  readonly height: number;
}

export interface LayoutEdge {
  readonly from: string;
  readonly to: string;
  /** Size reserved for the edge's label (its tensor shape), centred on the edge. */
  readonly labelWidth: number;
  readonly labelHeight: number;
  /** Width of the reference box that stands for `from` if the edge crosses segments. */
  readonly refWidth: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface LaidOutEdge {
  readonly points: readonly Point[];
  readonly label: Point;
  /** Centre of the reference box the edge starts from, when it is not routed from its source. */
  readonly ref?: Point;
}

export interface Layout {
  readonly width: number;
  readonly height: number;
  /** Centre of each box. */
  readonly boxes: ReadonlyMap<string, Point>;
  /** Per edge (in input order): its polyline and the centre of its label. */
  readonly edges: readonly LaidOutEdge[];
  /** The y coordinate between two stacked segments, one per boundary. */
  readonly breaks: readonly number[];
}

/** Boxes per segment: dagre lays out ~100 boxes in well under a second. */
export const SEGMENT_NODES = 120;
/** Ranks an edge may span and still be routed (a residual connection around a block is). */
export const MAX_SPAN = 12;
export const REF_HEIGHT = 18;
const SEGMENT_GAP = 28;

/**
 * Top-to-bottom layered layout of `boxes` (in topological order: every edge goes from an earlier
 * box to a later one) joined by `edges` (several edges between two boxes allowed).
 */
export function layoutGraph(boxes: readonly LayoutBox[], edges: readonly LayoutEdge[], segmentNodes = SEGMENT_NODES): Layout {
  const { rank, segment } = segmentsByRank(boxes, edges, segmentNodes);
  const routed = (e: LayoutEdge) => segment.get(e.from) === segment.get(e.to) && rank.get(e.to)! - rank.get(e.from)! <= MAX_SPAN;
  const count = Math.max(0, ...segment.values()) + 1;
  const graphs = Array.from({ length: count }, () => {
    const g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 36, edgesep: 12, marginx: 8, marginy: 8 });
    g.setDefaultEdgeLabel(() => ({}));
    return g;
  });
  for (const b of boxes) graphs[segment.get(b.id)!]!.setNode(b.id, { width: b.width, height: b.height });
  const ref = (i: number) => `ref${i}`;
  edges.forEach((e, i) => {
    const s = segment.get(e.to)!;
    const crosses = !routed(e);
    if (crosses) graphs[s]!.setNode(ref(i), { width: e.refWidth, height: REF_HEIGHT });
    graphs[s]!.setEdge(crosses ? ref(i) : e.from, e.to, { width: e.labelWidth, height: e.labelHeight, labelpos: 'c' }, `e${i}`);
  });
  // Each segment alone, then stacked: each one below the ones before it, centred.
  for (const g of graphs) dagre.layout(g);
  const size = (g: (typeof graphs)[number]) => ({ width: g.graph().width ?? 0, height: g.graph().height ?? 0 });
  const width = Math.max(0, ...graphs.map((g) => size(g).width));
  let top = 0;
  const offsets = graphs.map((g): Point => {
    const o = { x: (width - size(g).width) / 2, y: top };
    top += size(g).height + SEGMENT_GAP;
    return o;
  });
  const breaks = offsets.slice(1).map((o) => o.y - SEGMENT_GAP / 2);
  const at = (p: Point, k: number): Point => ({ x: p.x + offsets[k]!.x, y: p.y + offsets[k]!.y });
  const boxesOut = new Map<string, Point>();
  for (const b of boxes) {
    const k = segment.get(b.id)!;
    boxesOut.set(b.id, at(graphs[k]!.node(b.id), k));
  }
  const edgesOut = edges.map((e, i): LaidOutEdge => {
    const k = segment.get(e.to)!;
    const g = graphs[k]!;
    const crosses = !routed(e);
    const d = g.edge({ v: crosses ? ref(i) : e.from, w: e.to, name: `e${i}` });
    const points: Point[] = (d.points ?? []).map((p: Point) => at(p, k));
    const label = d.x === undefined ? (points[0] ?? { x: 0, y: 0 }) : at({ x: d.x, y: d.y! }, k);
    return { points, label, ...(crosses ? { ref: at(g.node(ref(i)), k) } : {}) };
  });
  return { width, height: Math.max(0, top - SEGMENT_GAP), boxes: boxesOut, edges: edgesOut, breaks };
}

/**
 * Rank and segment of each box: boxes are ranked (one below the deepest operand, then moved down
 * to just above the first reader, where dagre's ranking puts boxes too), and runs of consecutive
 * ranks are cut into segments of at least `limit` boxes (the last may be smaller).
 */
function segmentsByRank(boxes: readonly LayoutBox[], edges: readonly LayoutEdge[], limit: number): { rank: Map<string, number>; segment: Map<string, number> } {
  const operands = new Map<string, string[]>(boxes.map((b) => [b.id, []]));
  const readers = new Map<string, string[]>(boxes.map((b) => [b.id, []]));
  for (const e of edges) {
    operands.get(e.to)!.push(e.from);
    readers.get(e.from)!.push(e.to);
  }
  const rank = new Map<string, number>();
  for (const b of boxes) rank.set(b.id, operands.get(b.id)!.length === 0 ? 0 : 1 + Math.max(...operands.get(b.id)!.map((o) => rank.get(o)!)));
  // Then as late as possible: each box just above its first reader (a weight above the step that
  // reads it first, a step's slice of an input projection beside that step).
  for (let i = boxes.length - 1; i >= 0; i--) {
    const id = boxes[i]!.id;
    if (readers.get(id)!.length > 0) rank.set(id, Math.min(...readers.get(id)!.map((r) => rank.get(r)!)) - 1);
  }
  const perRank: number[] = [];
  for (const r of rank.values()) perRank[r] = (perRank[r] ?? 0) + 1;
  const segmentOfRank: number[] = [];
  let segment = 0;
  let filled = 0;
  for (let r = 0; r < perRank.length; r++) {
    if (filled >= limit) {
      segment++;
      filled = 0;
    }
    segmentOfRank[r] = segment;
    filled += perRank[r] ?? 0;
  }
  return { rank, segment: new Map(boxes.map((b) => [b.id, segmentOfRank[rank.get(b.id)!]!])) };
}
