/**
 * Memory planning (an analysis; the graph is unchanged): places every activation, and the scratch
 * memory kernels ask for, in one arena so that values whose lifetimes do not overlap share bytes.
 * Sizes are affine in the batch (memory-plan-types.ts), so one plan serves every batch size.
 *
 * - Lifetime of a value: from the node that defines it (model inputs: before the first node) to
 *   the last node that reads it (graph outputs, and the inputs of one step of a time loop: past
 *   the last node). Both ends are inclusive: a
 *   node never writes over an operand it is reading, unless it works in place (below).
 * - Views (reshape) share their operand's bytes; the shared buffer lives until its last reader.
 * - A multi-result node (split) owns no bytes: each of its projections is a value of its own,
 *   born at the multi-result node (whose kernel writes every result) and living until its own
 *   last reader, so results live at the same time never share bytes, nor with the operands.
 *   A backend whose kernels read a split's pieces in place (`BlockReader`) gets those pieces as
 *   views inside the operand's rows instead (split-views.ts): their slots say the blocks.
 * - In place: an elementwise node (an op with the `elementwise` trait) writes over an operand of its own type whose
 *   buffer nothing reads afterwards, since element i is read before element i is written. Other
 *   operands in that buffer must have the result's type too (same element order, no broadcast),
 *   and none of the buffer may be read as blocks (a dense result would not line up with them).
 *   A training step's optimizer update thus overwrites the weight it updates. A backend may name
 *   one operand of another node that its kernel overwrites alike (`OverwriteRequest`: a dense's
 *   residual, added as each element is stored); that operand must have the result's type, be
 *   the only operand in its buffer, and not be read as blocks.
 * - Scratch: a kernel's scratch lives exactly while its node runs, so it shares bytes with
 *   nothing that node reads or writes. Shared scratch (one key asked for by several nodes: a
 *   weight packed once for all the products of an unrolled loop) lives from the first of those
 *   nodes to the last; the first fills it.
 * - Two regions: buffers of fixed size (no batch axis: parameters, gradients, optimizer slots,
 *   static tensors) are placed among themselves, then buffers that scale with the batch after
 *   them. Scratch with both parts goes to the batch region, its fixed part counted per row (B
 *   rows then reserve at least what it needs).
 * - Placement per region: buffers largest first, each at the lowest 16-byte-aligned offset free
 *   of every buffer alive at the same time (greedy by size, as TFLite's arena planner does).
 *   Weights and consts live outside the arena and are not planned, nor are views of them.
 *
 *   %x = input : f32[?,784]                          rows * 0..3136   (live from the start)
 *   %0 = dense %x, %k1, %b1 {activation="relu"}      rows * 3136..3648
 *   %1 = dense %0, %k2, %b2 {activation="softmax"}   rows * 0..40     (%x is dead: its bytes reused)
 *   peak 3648 bytes per row, naive 3696
 */
import { NncError } from '../errors.js';
import { RESULT_OP, type Graph, type Node } from '../ir/graph.js';
import { printNode, valueNames } from '../ir/printer.js';
import { isConstantOp, isElementwiseOp, isViewOp } from '../ir/traits.js';
import { bytesOf, elementsPerRow, sameType } from '../ir/types.js';
import type { AffineBytes, MemoryPlan, MemorySlot, OverwriteRequest, ScratchRequest, SharedScratch, SharedScratchRequest } from './memory-plan-types.js';
import { splitViews, type BlockReader, type BlockView } from './split-views.js';

/** Slot offsets are multiples of this many bytes (per row, in the batch region): the SIMD128 vector width. */
export const SLOT_ALIGN = 16;

/** The bytes one or more values share: a value, its views, and the values written in place over it. */
interface Buffer {
  readonly size: AffineBytes;
  readonly start: number;
  end: number;
  /** Offset within its region: fixed bytes, or bytes per row in the batch region. */
  offset: number;
  /** Some value reads it as blocks (a split piece left in place). */
  blocks?: boolean;
}

/**
 * Plans `graph`'s values; `scratchOf` says which nodes' kernels need scratch, and how much,
 * `blockReader` which kernels read a split's pieces in place (none when absent), `sharedOf`
 * which kernels share scratch with others, and `overwrites` which operand a kernel other than
 * an elementwise one may write its result over (none when absent).
 */
export function planMemory(
  graph: Graph,
  scratchOf: ScratchRequest = () => undefined,
  blockReader?: BlockReader,
  sharedOf: SharedScratchRequest = () => undefined,
  overwrites: OverwriteRequest = () => undefined,
): MemoryPlan {
  const lastUse = lastUses(graph);
  const views: ReadonlyMap<Node, BlockView> = blockReader ? splitViews(graph, blockReader) : new Map();
  const buffers = new Map<Node, Buffer>();
  const scratchBuffers = new Map<Node, Buffer>();
  const sharedGroups = new Map<string, { buf: Buffer; members: Node[] }>();
  const all: Buffer[] = [];
  const index = new Map(graph.nodes.map((n, j) => [n, j]));
  for (const [j, n] of graph.nodes.entries()) {
    const request = sharedOf(n);
    if (request) {
      let group = sharedGroups.get(request.key);
      if (!group) {
        group = { buf: { size: { fixedBytes: request.bytes, bytesPerRow: 0 }, start: j, end: j, offset: 0 }, members: [] };
        sharedGroups.set(request.key, group);
        all.push(group.buf);
      }
      if (group.buf.size.fixedBytes !== request.bytes) throw new Error(`internal error: shared scratch '${request.key}' asked for as ${group.buf.size.fixedBytes} and ${request.bytes} bytes`);
      group.buf.end = j;
      group.members.push(n);
    }
    const scratch = scratchOf(n);
    if (scratch && (scratch.fixedBytes > 0 || scratch.bytesPerRow > 0)) {
      const buf: Buffer = { size: scratch, start: j, end: j, offset: 0 };
      scratchBuffers.set(n, buf);
      all.push(buf);
    }
    if (isConstantOp(n.op) || n.results) continue;
    const piece = views.get(n);
    if (piece) {
      const buf = buffers.get(piece.source)!;
      buf.blocks = true;
      buf.end = Math.max(buf.end, lastUse.get(n)!);
      buffers.set(n, buf);
      continue;
    }
    const viewed = isView(n) ? buffers.get(n.inputs[0]!) : undefined;
    if (isView(n) && !viewed) continue; // a view of a weight or const
    const shared = viewed ?? inPlaceBuffer(n, j, buffers) ?? overwrittenBuffer(n, overwrites(n), j, buffers);
    if (shared) {
      shared.end = Math.max(shared.end, lastUse.get(n)!);
      buffers.set(n, shared);
      continue;
    }
    const start = n.op === 'input' ? -1 : n.op === RESULT_OP ? (index.get(n.inputs[0]!) ?? j) : j;
    const own: Buffer = { size: valueBytes(graph, n), start, end: lastUse.get(n)!, offset: 0 };
    buffers.set(n, own);
    all.push(own);
  }
  const fixedBytes = place(all.filter((b) => !inBatchRegion(b)), (b) => b.size.fixedBytes);
  const bytesPerRow = place(all.filter(inBatchRegion), rowBytesOf);
  const slotOf = (buf: Buffer, size: AffineBytes): MemorySlot => ({
    offset: inBatchRegion(buf) ? { fixedBytes, bytesPerRow: buf.offset } : { fixedBytes: buf.offset, bytesPerRow: 0 },
    size,
  });
  const slots = new Map<Node, MemorySlot>();
  for (const [n, buf] of buffers) slots.set(n, inside(slotOf(buf, valueBytes(graph, n)), views.get(n)));
  const scratch = new Map<Node, MemorySlot>();
  for (const [n, buf] of scratchBuffers) scratch.set(n, slotOf(buf, buf.size));
  const shared = new Map<Node, SharedScratch>();
  for (const { buf, members } of sharedGroups.values()) {
    const slot = slotOf(buf, buf.size); // one object per buffer: its members' entries share it
    for (const n of members) shared.set(n, { slot, fills: n === members[0], members: members.length });
  }
  // Without planning, every value but a view, and every scratch, would have a buffer of its own.
  const unshared = [
    ...[...buffers].filter(([n]) => !isView(n) && !views.has(n)).map(([n]) => valueBytes(graph, n)),
    ...[...scratchBuffers.values(), ...[...sharedGroups.values()].map((g) => g.buf)].map((b) => b.size),
  ];
  const naive = unshared.reduce((sum, s) => ({ fixedBytes: sum.fixedBytes + aligned(s.fixedBytes), bytesPerRow: sum.bytesPerRow + aligned(s.bytesPerRow) }), {
    fixedBytes: 0,
    bytesPerRow: 0,
  });
  const plannedLastUse = new Map([...lastUse].filter(([n]) => buffers.has(n)));
  return { slots, scratch, shared, peak: { fixedBytes, bytesPerRow }, naive, lastUse: plannedLastUse };
}

/** A view's slot: its source's, from the view's first block on, read as blocks. */
function inside(slot: MemorySlot, view: BlockView | undefined): MemorySlot {
  if (!view) return slot;
  return { ...slot, offset: { ...slot.offset, fixedBytes: slot.offset.fixedBytes + view.offsetBytes }, blocks: view.blocks };
}

/** Last reader of every value in graph order; graph outputs live past the last node. */
function lastUses(graph: Graph): Map<Node, number> {
  const last = new Map<Node, number>();
  graph.nodes.forEach((n, j) => {
    last.set(n, j);
    for (const operand of n.inputs) last.set(operand, j);
  });
  for (const o of graph.outputs) last.set(o.node, graph.nodes.length);
  // One step of a time loop: the host writes an input without a step axis once for all steps, and
  // copies the states written into the states read after each step, so no value may take an
  // input's bytes (nor the states' copies clobber an output).
  if (graph.loop) for (const n of graph.inputs) last.set(n, graph.nodes.length);
  return last;
}

/** The operand buffer an elementwise node at index j may overwrite, if any. */
function inPlaceBuffer(n: Node, j: number, buffers: ReadonlyMap<Node, Buffer>): Buffer | undefined {
  if (!isElementwiseOp(n.op)) return undefined;
  for (const operand of n.inputs) {
    const buf = buffers.get(operand);
    if (!buf || buf.blocks || buf.end !== j || !sameType(operand.type, n.type)) continue;
    const sharers = n.inputs.filter((o) => buffers.get(o) === buf);
    if (sharers.every((o) => sameType(o.type, n.type))) return buf;
  }
  return undefined;
}

/** The buffer of operand `k` when the node's kernel may overwrite it (OverwriteRequest) and nothing reads it afterwards. */
function overwrittenBuffer(n: Node, k: number | undefined, j: number, buffers: ReadonlyMap<Node, Buffer>): Buffer | undefined {
  const operand = k === undefined ? undefined : n.inputs[k];
  const buf = operand && buffers.get(operand);
  if (!buf || buf.blocks || buf.end !== j || !sameType(operand.type, n.type)) return undefined;
  return n.inputs.every((o, i) => i === k || buffers.get(o) !== buf) ? buf : undefined;
}

/** A value's bytes: per row with a batch axis, fixed without one. */
function valueBytes(graph: Graph, n: Node): AffineBytes {
  const symbolic = n.type.shape.filter((d) => d === null).length;
  if (symbolic > 1) {
    const names = valueNames(graph);
    const where = { node: `%${names.get(n)}`, ...(n.layer ? { layer: n.layer } : {}) };
    throw new NncError('NNC2007', `only the batch axis may be symbolic: ${printNode(n, names)}`, { location: where });
  }
  const bytes = elementsPerRow(n.type.shape) * bytesOf(n.type.dtype);
  return symbolic === 1 ? { fixedBytes: 0, bytesPerRow: bytes } : { fixedBytes: bytes, bytesPerRow: 0 };
}

const inBatchRegion = (b: Buffer) => b.size.bytesPerRow > 0;
/** Bytes per row of a batch-region buffer; a fixed part (scratch only) counts per row too. */
const rowBytesOf = (b: Buffer) => b.size.bytesPerRow + b.size.fixedBytes;
const isView = (n: Node) => isViewOp(n.op);
const aligned = (bytes: number) => Math.ceil(bytes / SLOT_ALIGN) * SLOT_ALIGN;

/** Assigns offsets within one region (greedy by size) and returns the region's size. */
function place(buffers: readonly Buffer[], sizeOf: (b: Buffer) => number): number {
  const bySize = [...buffers].sort((a, b) => sizeOf(b) - sizeOf(a) || a.start - b.start);
  const placed: Buffer[] = [];
  let peak = 0;
  for (const buf of bySize) {
    const overlapping = placed.filter((p) => p.start <= buf.end && buf.start <= p.end).sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const p of overlapping) {
      if (offset + aligned(sizeOf(buf)) <= p.offset) break;
      offset = Math.max(offset, p.offset + aligned(sizeOf(p)));
    }
    buf.offset = offset;
    placed.push(buf);
    peak = Math.max(peak, offset + aligned(sizeOf(buf)));
  }
  return peak;
}
