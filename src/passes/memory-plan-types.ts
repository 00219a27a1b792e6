import type { Node } from '../ir/graph.js';

/**
 * Where every activation lives in one arena, in bytes *per batch row*: for a batch of B rows the
 * value of node n occupies bytes [B * offsetPerRow, B * (offsetPerRow + bytesPerRow)). Because
 * every planned value scales with the batch, non-overlap per row implies non-overlap for any B.
 * Model inputs and outputs are planned too (inputs live from the start, outputs to the end).
 * Views (reshape) share their operand's slot; weights and consts are not planned.
 */
export interface MemorySlot {
  readonly offsetPerRow: number;
  readonly bytesPerRow: number;
}

export interface MemoryPlan {
  readonly slots: ReadonlyMap<Node, MemorySlot>;
  /** Arena size per batch row (the peak of simultaneously live bytes after reuse). */
  readonly peakBytesPerRow: number;
  /** What the arena would take with one buffer per value, for comparison. */
  readonly naiveBytesPerRow: number;
  /** Index of the last node (in graph order) that reads each value; outputs live to the end. */
  readonly lastUse: ReadonlyMap<Node, number>;
}
