import type { Node } from '../ir/graph.js';

/**
 * A byte count or byte offset that is affine in the batch: `fixedBytes + rows * bytesPerRow` for a
 * call of `rows` batch rows. A value with a batch axis is purely per row, one without (a weight
 * gradient, an optimizer slot, a static ONNX tensor) purely fixed; kernel scratch may be both.
 */
export interface AffineBytes {
  readonly fixedBytes: number;
  readonly bytesPerRow: number;
}

/** The bytes of `a` for a call of `rows` rows. */
export const atRows = (a: AffineBytes, rows: number): number => a.fixedBytes + rows * a.bytesPerRow;

export const ZERO_BYTES: AffineBytes = { fixedBytes: 0, bytesPerRow: 0 };

/**
 * Where one value (or one kernel's scratch) lives in the arena, as byte offsets from the arena's
 * start for a call of B rows: bytes [atRows(offset, B), atRows(offset, B) + atRows(size, B)).
 * The arena is two regions: fixed-size buffers first ([0, peak.fixedBytes)), then buffers that
 * scale with the batch, at peak.fixedBytes + B * offset.bytesPerRow. Two buffers of one region
 * that do not overlap at B = 1 do not overlap for any B, so one plan serves every batch size.
 */
export interface MemorySlot {
  readonly offset: AffineBytes;
  readonly size: AffineBytes;
  /** Set for a view inside another value's rows (split-views.ts): the value is these blocks, not contiguous. */
  readonly blocks?: RowBlocks;
}

/**
 * A value stored as one block of `bytes` per row of another value, `pitch` bytes apart (a piece
 * of a split read in place); its slot's offset is where the first block starts.
 */
export interface RowBlocks {
  readonly bytes: number;
  readonly pitch: number;
}

/**
 * Where every value lives in one arena. Model inputs and outputs are planned too (inputs live
 * from the start, outputs to the end). Views (reshape) share their operand's slot; weights and
 * consts are not planned (they live in the module's constant region).
 */
export interface MemoryPlan {
  readonly slots: ReadonlyMap<Node, MemorySlot>;
  /** Scratch memory of the kernels that asked for it, live only while their node runs. */
  readonly scratch: ReadonlyMap<Node, MemorySlot>;
  /** Scratch that kernels share (SharedScratchRequest), by each node that asked for it. */
  readonly shared: ReadonlyMap<Node, SharedScratch>;
  /** Arena size (the peak of simultaneously live bytes after reuse), per region. */
  readonly peak: AffineBytes;
  /** What the arena would take with one buffer per value, for comparison. */
  readonly naive: AffineBytes;
  /** Index of the last node (in graph order) that reads each value; outputs live to the end. */
  readonly lastUse: ReadonlyMap<Node, number>;
}

/** What a backend tells the planner: the scratch bytes a node's kernel needs, if any. */
export type ScratchRequest = (node: Node) => AffineBytes | undefined;

/**
 * Scratch a node's kernel shares with the other kernels that ask for the same `key` (a computed
 * operand packed once for every product that reads it): one buffer of fixed size, live from the
 * first of those nodes to the last.
 */
export type SharedScratchRequest = (node: Node) => { readonly key: string; readonly bytes: number } | undefined;

/**
 * The operand whose bytes a node's kernel may write its result over, if any: the kernel reads each
 * element of that operand before it writes the same element of the result, and no other element
 * (a GEMM's accumulator added at the store). The planner uses it when the operand dies there.
 */
export type OverwriteRequest = (node: Node) => number | undefined;

/** One node's view of a shared scratch buffer. */
export interface SharedScratch {
  readonly slot: MemorySlot;
  /** Whether this node is the first of them in graph order, so its kernel fills the buffer the later ones read. */
  readonly fills: boolean;
  /** How many nodes share it (1: the node has it to itself, like scratch). */
  readonly members: number;
}
