import type { Node } from '../../ir/graph.js';
import type { TensorData } from '../../ir/tensor.js';
import { atRows, type AffineBytes, type MemoryPlan, type MemorySlot, type SharedScratch } from '../../passes/memory-plan-types.js';

/** First byte of the activation arena; address 0 stays unused so a zero pointer is never data. */
export const ARENA_BASE = 16;
/**
 * The arena is sized for at most this many bytes; larger batches run in chunks of rows (a graph
 * that reads across the batch cannot: its largest batch is what fits).
 */
export const ARENA_TARGET_BYTES = 4 << 20;
const MAX_CHUNK_ROWS = 4096;
export const PAGE_BYTES = 65536;

/**
 * Where everything lives in linear memory:
 *   [ARENA_BASE, + peak.fixedBytes)         values without a batch axis, fixed-size scratch
 *   [.., + maxRows * peak.bytesPerRow)       values with a batch axis, per-row scratch
 *   [constBase, constEnd)                    weights and packed weights
 *   OVERREAD_SLACK bytes                     (see below)
 *   the SIMD module's lane constants          (context.ts, LaneConstants; in its memory only)
 * placed by the memory plan (memory-plan-types.ts).
 * The arena comes first so its size is known before kernels add constants. Memory never grows:
 * a call runs at most `maxRows` rows at a time.
 */
export interface MemoryLayout {
  readonly arenaBase: number;
  /** Rows per call: the chunk size of a row-local graph, the largest batch of any other. */
  readonly maxRows: number;
  readonly constBase: number;
  /** Slot of a planned value (views of activations share their operand's). */
  slot(node: Node): MemorySlot;
  /** The scratch slot of a node whose kernel asked for one. */
  scratch(node: Node): MemorySlot;
  /** The shared scratch of a node whose kernel asked for some (WasmKernel.sharedScratch). */
  shared(node: Node): SharedScratch;
}

/**
 * Bytes past the last constant that loads may touch: a tile of the GEMM reads whole vectors of a
 * computed operand's last row, past its end (only the valid lanes are stored). 32 bytes would do.
 */
export const OVERREAD_SLACK = 64;

/** Rows per chunk of a row-local graph: as many as fit the arena's byte budget beside its fixed part. */
export function chunkRows(peak: AffineBytes): number {
  const rows = rowsInBudget(peak);
  if (rows >= 4) return Math.min(MAX_CHUNK_ROWS, rows - (rows % 4));
  return Math.max(1, rows);
}

/**
 * The largest batch of a graph that is not row-local, which runs every batch in one call: as many
 * rows as fit in the arena's byte budget (no chunk-size cap, as there are no chunks).
 */
export function wholeBatchRows(peak: AffineBytes): number {
  return Math.max(1, rowsInBudget(peak));
}

function rowsInBudget(peak: AffineBytes): number {
  // A graph with nothing per row (every value static) runs one row: its inputs take batch 1 only.
  if (peak.bytesPerRow === 0) return 1;
  return Math.floor(Math.max(ARENA_TARGET_BYTES - peak.fixedBytes, 0) / peak.bytesPerRow);
}

export const align16 = (n: number) => (n + 15) & ~15;

/**
 * `rowLocal`: whether the graph may run in chunks of rows (traits.ts, graphIsRowLocal). `rows`
 * overrides the rows per call (a caller that knows its largest batch, as the training executor).
 */
export function memoryLayout(plan: MemoryPlan, rowLocal: boolean, rows?: number): MemoryLayout {
  const maxRows = rows ?? (rowLocal ? chunkRows(plan.peak) : wholeBatchRows(plan.peak));
  const lookup = <T>(table: ReadonlyMap<Node, T>, what: string) => (node: Node): T => {
    const s = table.get(node);
    if (s) return s;
    throw new Error(`memory plan has no ${what} for a '${node.op}' value`);
  };
  return {
    arenaBase: ARENA_BASE,
    maxRows,
    constBase: align16(ARENA_BASE + atRows(plan.peak, maxRows)),
    slot: lookup(plan.slots, 'slot'),
    scratch: lookup(plan.scratch, 'scratch'),
    shared: lookup(plan.shared, 'shared scratch'),
  };
}

/**
 * Constant data placed after the arena, each blob 16-byte aligned, deduplicated by key (a weight
 * read by two kernels, or packed once for a dense kernel, is stored once).
 */
export class ConstantPool {
  private readonly blobs = new Map<string, { offset: number; data: TensorData }>();
  private end: number;

  constructor(readonly base: number) {
    this.end = base;
  }

  /** Byte address of the blob stored under `key`, adding it (made by `make`) the first time. */
  address(key: string, make: () => TensorData): number {
    let blob = this.blobs.get(key);
    if (!blob) {
      blob = { offset: this.end, data: make() };
      this.blobs.set(key, blob);
      this.end = align16(this.end + blob.data.byteLength);
    }
    return blob.offset;
  }

  get byteLength(): number {
    return this.end - this.base;
  }

  /** All blobs as one little-endian byte image starting at `base`. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.byteLength);
    for (const { offset, data } of this.blobs.values()) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset - this.base);
    return out;
  }
}
