/**
 * Memory planning (an analysis; the graph is unchanged): places every activation in one arena so
 * that values whose lifetimes do not overlap share bytes. Sizes are per batch row (see
 * memory-plan-types.ts), so one plan serves every batch size.
 *
 * - Lifetime of a value: from the node that defines it (model inputs: before the first node) to
 *   the last node that reads it (graph outputs: past the last node). Both ends are inclusive: a
 *   node never writes over an operand it is reading, unless it works in place (below).
 * - Views (reshape) share their operand's bytes; the shared buffer lives until its last reader.
 * - A multi-result node (split) owns no bytes: each of its projections is a value of its own,
 *   born at the multi-result node (whose kernel writes every result) and living until its own
 *   last reader, so results live at the same time never share bytes, nor with the operands.
 * - In place: an elementwise node (an op with the `elementwise` trait) writes over an operand of its own type whose
 *   buffer nothing reads afterwards, since element i is read before element i is written. Other
 *   operands in that buffer must have the result's type too (same element order, no broadcast).
 * - Placement: buffers largest first, each at the lowest 16-byte-aligned offset free of every
 *   buffer alive at the same time (greedy by size, as TFLite's arena planner does).
 * - A value with no batch axis (say, computed from constants too large to fold) is given its
 *   whole size per row: B rows then reserve B times what it needs, which is always enough.
 *   Weights and consts live outside the arena and are not planned, nor are views of them.
 *
 *   %x = input : f32[?,784]                          slot 0..3136   (live from the start)
 *   %0 = dense %x, %k1, %b1 {activation="relu"}      slot 3136..3648
 *   %1 = dense %0, %k2, %b2 {activation="softmax"}   slot 0..40     (%x is dead: its bytes reused)
 *   peak 3648 bytes per row, naive 3696
 */
import { NncError } from '../errors.js';
import { RESULT_OP, type Graph, type Node } from '../ir/graph.js';
import { printNode, valueNames } from '../ir/printer.js';
import { isConstantOp, isElementwiseOp, isViewOp } from '../ir/traits.js';
import { bytesOf, elementsPerRow, sameType } from '../ir/types.js';
import type { MemoryPlan, MemorySlot } from './memory-plan-types.js';

/** Slot offsets are multiples of this many bytes per row (the SIMD128 vector width). */
export const SLOT_ALIGN = 16;

/** The bytes one or more values share: a value, its views, and the values written in place over it. */
interface Buffer {
  readonly bytesPerRow: number;
  readonly start: number;
  end: number;
  offsetPerRow: number;
}

export function planMemory(graph: Graph): MemoryPlan {
  const lastUse = lastUses(graph);
  const buffers = new Map<Node, Buffer>();
  const all: Buffer[] = [];
  const index = new Map(graph.nodes.map((n, j) => [n, j]));
  for (const [j, n] of graph.nodes.entries()) {
    if (isConstantOp(n.op) || n.results) continue;
    const viewed = isView(n) ? buffers.get(n.inputs[0]!) : undefined;
    if (isView(n) && !viewed) continue; // a view of a weight or const
    const shared = viewed ?? inPlaceBuffer(n, j, buffers);
    if (shared) {
      shared.end = Math.max(shared.end, lastUse.get(n)!);
      buffers.set(n, shared);
      continue;
    }
    const start = n.op === 'input' ? -1 : n.op === RESULT_OP ? (index.get(n.inputs[0]!) ?? j) : j;
    const own: Buffer = { bytesPerRow: rowBytes(graph, n), start, end: lastUse.get(n)!, offsetPerRow: 0 };
    buffers.set(n, own);
    all.push(own);
  }
  const peakBytesPerRow = place(all);
  const slots = new Map<Node, MemorySlot>();
  for (const [n, buf] of buffers) slots.set(n, { offsetPerRow: buf.offsetPerRow, bytesPerRow: rowBytes(graph, n) });
  // Without planning, every value but a view would have a buffer of its own.
  const naiveBytesPerRow = [...buffers.keys()].filter((n) => !isView(n)).reduce((sum, n) => sum + aligned(rowBytes(graph, n)), 0);
  const plannedLastUse = new Map([...lastUse].filter(([n]) => buffers.has(n)));
  return { slots, peakBytesPerRow, naiveBytesPerRow, lastUse: plannedLastUse };
}

/** Last reader of every value in graph order; graph outputs live past the last node. */
function lastUses(graph: Graph): Map<Node, number> {
  const last = new Map<Node, number>();
  graph.nodes.forEach((n, j) => {
    last.set(n, j);
    for (const operand of n.inputs) last.set(operand, j);
  });
  for (const o of graph.outputs) last.set(o.node, graph.nodes.length);
  return last;
}

/** The operand buffer an elementwise node at index j may overwrite, if any. */
function inPlaceBuffer(n: Node, j: number, buffers: ReadonlyMap<Node, Buffer>): Buffer | undefined {
  if (!isElementwiseOp(n.op)) return undefined;
  for (const operand of n.inputs) {
    const buf = buffers.get(operand);
    if (!buf || buf.end !== j || !sameType(operand.type, n.type)) continue;
    const sharers = n.inputs.filter((o) => buffers.get(o) === buf);
    if (sharers.every((o) => sameType(o.type, n.type))) return buf;
  }
  return undefined;
}

/** Bytes per batch row; a value without a batch axis reserves its whole size per row. */
function rowBytes(graph: Graph, n: Node): number {
  const symbolic = n.type.shape.filter((d) => d === null).length;
  if (symbolic > 1) {
    const names = valueNames(graph);
    const where = { node: `%${names.get(n)}`, ...(n.layer ? { layer: n.layer } : {}) };
    throw new NncError('NNC2007', `only the batch axis may be symbolic: ${printNode(n, names)}`, { location: where });
  }
  return elementsPerRow(n.type.shape) * bytesOf(n.type.dtype);
}

const isView = (n: Node) => isViewOp(n.op);
const aligned = (bytes: number) => Math.ceil(bytes / SLOT_ALIGN) * SLOT_ALIGN;

/** Assigns offsets (greedy by size) and returns the arena size per row. */
function place(buffers: readonly Buffer[]): number {
  const bySize = [...buffers].sort((a, b) => b.bytesPerRow - a.bytesPerRow || a.start - b.start);
  const placed: Buffer[] = [];
  let peak = 0;
  for (const buf of bySize) {
    const overlapping = placed.filter((p) => p.start <= buf.end && buf.start <= p.end).sort((a, b) => a.offsetPerRow - b.offsetPerRow);
    let offset = 0;
    for (const p of overlapping) {
      if (offset + aligned(buf.bytesPerRow) <= p.offsetPerRow) break;
      offset = Math.max(offset, p.offsetPerRow + aligned(p.bytesPerRow));
    }
    buf.offsetPerRow = offset;
    placed.push(buf);
    peak = Math.max(peak, offset + aligned(buf.bytesPerRow));
  }
  return peak;
}
