/**
 * Graph layout for the build report: dagre (a maintained Sugiyama-style layered layout) places
 * boxes and routes edges in Node at build time, so the report is static SVG and needs no script.
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
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Layout {
  readonly width: number;
  readonly height: number;
  /** Centre of each box. */
  readonly boxes: ReadonlyMap<string, Point>;
  /** Per edge (in input order): its polyline and the centre of its label. */
  readonly edges: readonly { readonly points: readonly Point[]; readonly label: Point }[];
}

/** Top-to-bottom layered layout of `boxes` joined by `edges` (several edges between two boxes allowed). */
export function layoutGraph(boxes: readonly LayoutBox[], edges: readonly LayoutEdge[]): Layout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 36, edgesep: 12, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const b of boxes) g.setNode(b.id, { width: b.width, height: b.height });
  edges.forEach((e, i) => g.setEdge(e.from, e.to, { width: e.labelWidth, height: e.labelHeight, labelpos: 'c' }, `e${i}`));
  dagre.layout(g);
  const info = g.graph();
  const boxesOut = new Map<string, Point>();
  for (const b of boxes) {
    const n = g.node(b.id);
    boxesOut.set(b.id, { x: n.x, y: n.y });
  }
  const edgesOut = edges.map((e, i) => {
    const d = g.edge({ v: e.from, w: e.to, name: `e${i}` });
    const points: Point[] = (d.points ?? []).map((p: Point) => ({ x: p.x, y: p.y }));
    return { points, label: { x: d.x ?? points[0]?.x ?? 0, y: d.y ?? points[0]?.y ?? 0 } };
  });
  return { width: info.width ?? 0, height: info.height ?? 0, boxes: boxesOut, edges: edgesOut };
}
