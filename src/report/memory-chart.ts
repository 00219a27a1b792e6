/**
 * The memory plan as a picture: time (the node that runs) across, arena bytes (at batch 1) down;
 * one rectangle per planned value from the node that defines it to its last reader, at its byte
 * range; scratch as hatched rectangles over the one node that uses it (shared scratch: from the
 * first node that uses it to the last); a line at the peak.
 */
import type { Graph, Node } from '../ir/graph.js';
import { valueNames } from '../ir/printer.js';
import { formatType } from '../ir/types.js';
import { atRows, type MemoryPlan, type MemorySlot } from '../passes/memory-plan-types.js';
import { esc, formatBytes, num } from './svg.js';

const WIDTH = 760;
const HEIGHT = 320;
const LEFT = 70;
const TOP = 10;
const BOTTOM = 30;

function hue(i: number): number {
  return (i * 137.508) % 360; // golden-angle steps: neighbouring values get distinct colours
}

/** The plan's peak and naive sizes (fixed + per row), for the text beside the picture. */
export function describePeak(plan: MemoryPlan): string {
  const part = (fixed: number, perRow: number) => `${formatBytes(fixed)} + ${formatBytes(perRow)} per batch row`;
  return `peak ${part(plan.peak.fixedBytes, plan.peak.bytesPerRow)} (one buffer per value: ${part(plan.naive.fixedBytes, plan.naive.bytesPerRow)})`;
}

export function memoryChart(graph: Graph, plan: MemoryPlan): string {
  const names = valueNames(graph);
  const index = new Map(graph.nodes.map((n, i) => [n, i]));
  const steps = Math.max(graph.nodes.length, 1);
  const peak = Math.max(atRows(plan.peak, 1), 1);
  const plotW = WIDTH - LEFT - 10;
  const plotH = HEIGHT - TOP - BOTTOM;
  const x = (step: number) => LEFT + (step / steps) * plotW;
  const y = (bytes: number) => TOP + (bytes / peak) * plotH;
  const rect = (n: Node, slot: MemorySlot, from: number, to: number, cls: string, i: number, label: string) => {
    const top = atRows(slot.offset, 1);
    const size = atRows(slot.size, 1);
    return (
      `<rect class="${cls}" x="${num(x(from))}" y="${num(y(top))}" width="${num(Math.max(x(to) - x(from), 1))}" height="${num(Math.max(y(top + size) - y(top), 1))}" fill="hsl(${num(hue(i))},60%,70%)">` +
      `<title>${esc(label)}: bytes ${top}..${top + size} at batch 1 (${esc(describeSlot(slot))}), nodes ${from}..${to - 1}</title></rect>`
    );
  };
  const parts: string[] = [];
  let i = 0;
  for (const [n, slot] of plan.slots) {
    const start = n.op === 'input' ? 0 : index.get(n)!;
    const end = (plan.lastUse.get(n) ?? start) + 1;
    parts.push(rect(n, slot, start, end, 'value', i++, `%${names.get(n)} ${n.op} : ${formatType(n.type)}`));
  }
  for (const [n, slot] of plan.scratch) {
    const at = index.get(n)!;
    parts.push(rect(n, slot, at, at + 1, 'scratch', i++, `scratch of %${names.get(n)} ${n.op}`));
  }
  // Shared scratch: one rectangle per buffer, from its filler (the first member) to its last member.
  const sharers = new Map<MemorySlot, Node[]>();
  for (const [n, { slot }] of plan.shared) sharers.set(slot, [...(sharers.get(slot) ?? []), n]);
  for (const [slot, nodes] of sharers) {
    const at = nodes.map((n) => index.get(n)!);
    const first = nodes[at.indexOf(Math.min(...at))]!;
    parts.push(rect(first, slot, Math.min(...at), Math.max(...at) + 1, 'scratch', i++, `scratch shared by ${nodes.length} node(s) from %${names.get(first)} ${first.op}`));
  }
  const axes =
    `<line class="axis" x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${TOP + plotH}"/>` +
    `<line class="peak" x1="${LEFT}" y1="${num(y(peak))}" x2="${num(LEFT + plotW)}" y2="${num(y(peak))}"/>` +
    `<text class="tick" x="${LEFT - 4}" y="${TOP + 10}" text-anchor="end">0</text>` +
    `<text class="tick" x="${LEFT - 4}" y="${num(y(peak))}" text-anchor="end">${esc(formatBytes(peak))}</text>` +
    `<text class="tick" x="${num(LEFT + plotW / 2)}" y="${HEIGHT - 8}" text-anchor="middle">node (execution order) →  ·  arena bytes at batch 1 ↓</text>`;
  return `<svg id="memory" class="memory" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">${axes}${parts.join('')}</svg>`;
}

function describeSlot(slot: MemorySlot): string {
  const a = (b: { fixedBytes: number; bytesPerRow: number }) => (b.bytesPerRow ? `${b.fixedBytes} + ${b.bytesPerRow}·rows` : `${b.fixedBytes}`);
  return `offset ${a(slot.offset)}, size ${a(slot.size)}`;
}
