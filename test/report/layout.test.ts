/**
 * The report's graph layout on a large graph: an unrolled recurrence (a weight read by every
 * step, as an LSTM's recurrent kernel) of ~1000 nodes is laid out in segments, every IR node is
 * drawn once, no two node boxes overlap, and each edge between segments starts at a reference box
 * naming the value it reads. A small graph is one segment, with no reference boxes.
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph } from '../../src/ir/graph.js';
import { valueNames } from '../../src/ir/printer.js';
import { tensorType } from '../../src/ir/types.js';
import { graphSvg } from '../../src/report/graph-svg.js';
import { layoutGraph, SEGMENT_NODES } from '../../src/report/layout.js';

/** h ← tanh(h · R + x) for `steps` steps: ~3 nodes a step, R read by all of them. */
function recurrence(steps: number): Graph {
  const b = new GraphBuilder();
  const x = b.input('x', tensorType([null, 4]));
  const r = b.weight('R', tensorType([4, 4]), new Float32Array(16));
  let h = x;
  for (let t = 0; t < steps; t++) h = b.op('tanh', [b.op('add', [b.op('matmul', [h, r]), x])]);
  b.output('h', h);
  return b.build();
}

interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The outer rect of each `g.node` in the SVG text, in order. */
function nodeRects(svg: string): Rect[] {
  return [...svg.matchAll(/<g class="node [^>]*><title>[^<]*<\/title><rect x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
    width: Number(m[3]),
    height: Number(m[4]),
  }));
}

const overlap = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('report layout', () => {
  it('lays a large graph out in segments: each node once, no overlaps, references across segments', () => {
    const graph = recurrence(330);
    expect(graph.nodes.length).toBeGreaterThan(5 * SEGMENT_NODES);
    const svg = graphSvg(graph, 'g');
    const rects = nodeRects(svg);
    expect(rects.length).toBe(graph.nodes.length);
    const [, width, height] = /width="([\d.]+)" height="([\d.]+)"/.exec(svg)!.map(Number);
    for (const r of rects) {
      expect(r.x).toBeGreaterThanOrEqual(0);
      expect(r.y).toBeGreaterThanOrEqual(0);
      expect(r.x + r.width).toBeLessThanOrEqual(width! + 0.1);
      expect(r.y + r.height).toBeLessThanOrEqual(height! + 0.1);
    }
    // Sorted by top edge, a box can only overlap the boxes that start above its bottom.
    const byTop = [...rects].sort((a, b) => a.y - b.y);
    byTop.forEach((a, i) => {
      for (let j = i + 1; j < byTop.length && byTop[j]!.y < a.y + a.height; j++) expect(overlap(a, byTop[j]!), `boxes ${JSON.stringify(a)} and ${JSON.stringify(byTop[j])}`).toBe(false);
    });
    // One arrow per operand and per output; the segments are separated by break lines.
    const operands = graph.nodes.reduce((a, n) => a + n.inputs.length, 0);
    expect(svg.match(/<path class="edge"/g)!.length).toBe(operands + graph.outputs.length);
    expect(svg.match(/<line class="break"/g)!.length).toBeGreaterThanOrEqual(4);
    // Every reference names a value of the graph; R and x, read by every step, are referenced.
    const names = new Set([...valueNames(graph).values()].map((n) => `%${n}`));
    const refs = [...svg.matchAll(/<g class="ref">.*?<text[^>]*>↪ ([^<]+)<\/text><\/g>/g)].map((m) => m[1]!);
    expect(refs.filter((r) => !names.has(r))).toEqual([]);
    expect(new Set(refs)).toContain('%R');
    expect(new Set(refs)).toContain('%x');
  });

  it('lays a small graph out as one segment, with no reference boxes', () => {
    const layout = layoutGraph(
      [
        { id: 'a', width: 40, height: 20 },
        { id: 'b', width: 40, height: 20 },
        { id: 'c', width: 40, height: 20 },
      ],
      [
        { from: 'a', to: 'b', labelWidth: 10, labelHeight: 10, refWidth: 20 },
        { from: 'a', to: 'c', labelWidth: 10, labelHeight: 10, refWidth: 20 },
        { from: 'b', to: 'c', labelWidth: 10, labelHeight: 10, refWidth: 20 },
      ],
    );
    expect(layout.breaks).toEqual([]);
    expect(layout.edges.map((e) => e.ref)).toEqual([undefined, undefined, undefined]);
    expect(layout.boxes.get('a')!.y).toBeLessThan(layout.boxes.get('b')!.y);
    expect(layout.boxes.get('b')!.y).toBeLessThan(layout.boxes.get('c')!.y);
  });

  it('cuts a chain into segments of SEGMENT_NODES ranks, each below the one before', () => {
    const n = 3 * SEGMENT_NODES;
    const ids = Array.from({ length: n }, (_, i) => `v${i}`);
    const layout = layoutGraph(
      ids.map((id) => ({ id, width: 30, height: 20 })),
      ids.slice(1).map((id, i) => ({ from: ids[i]!, to: id, labelWidth: 10, labelHeight: 10, refWidth: 20 })),
    );
    expect(layout.breaks.length).toBe(2);
    const crossing = layout.edges.flatMap((e, i) => (e.ref ? [i + 1] : []));
    expect(crossing).toEqual([SEGMENT_NODES, 2 * SEGMENT_NODES]);
    ids.slice(1).forEach((id, i) => expect(layout.boxes.get(id)!.y).toBeGreaterThan(layout.boxes.get(ids[i]!)!.y));
    layout.breaks.forEach((y, k) => {
      expect(layout.boxes.get(ids[(k + 1) * SEGMENT_NODES - 1]!)!.y).toBeLessThan(y);
      expect(layout.boxes.get(ids[(k + 1) * SEGMENT_NODES]!)!.y).toBeGreaterThan(y);
    });
  });
});
