/**
 * What the parent (run.ts) and the measuring child processes exchange: the child gets one JSON
 * argument and prints one JSON line as the last line of its stdout.
 */
import type { BenchContext } from '../runners/types.js';

export interface ColdStartRequest {
  readonly runner: string;
  readonly ctx: BenchContext;
  /** Float32 rows of the input (row-major). */
  readonly inputFile: string;
}

export interface MeasureRequest extends ColdStartRequest {
  /** Rows in `inputFile`. */
  readonly rows: number;
  /** Reference outputs (reference interpreter) of the first `referenceRows` input rows. */
  readonly referenceFile: string;
  readonly referenceRows: number;
  /** Batch-1 calls timed (after warm-up), split into rounds; fewer if `latencyMaxMs` runs out. */
  readonly calls: number;
  readonly latencyMaxMs: number;
  /** Rows of the throughput batch. */
  readonly batch: number;
  /**
   * Throughput rounds: at least `minRounds` (unless `throughputMaxMs` runs out first), more
   * while under `roundBudgetMs`, at most `maxRounds`.
   */
  readonly minRounds: number;
  readonly maxRounds: number;
  readonly roundBudgetMs: number;
  readonly throughputMaxMs: number;
}

export interface MeasureResult {
  readonly latencyUs: { readonly median: number; readonly p10: number; readonly p90: number; readonly calls: number; readonly roundMedians: readonly number[] };
  readonly throughput: {
    readonly medianMs: number;
    readonly rowsPerSec: number;
    readonly roundsMs: readonly number[];
    /** Process CPU time over wall time during the rounds: ~1 when the engine keeps to one thread. */
    readonly cpuPerWall: number;
  };
  /** Largest |runner - reference| over the checked outputs (batch 1 and the first rows of the big batch). */
  readonly maxAbsError: number;
  readonly openMs: number;
  /** The engine's build that ran (Session.build), where it picks one. */
  readonly build?: string;
}

export interface ColdStartResult {
  /** From before the first import of the engine to the first prediction's result, in the child. */
  readonly ms: number;
  /** Peak resident set size of the child (KiB, see peak-rss.ts). */
  readonly peakRssKiB: number;
}

export const RESULT_PREFIX = 'BENCH_RESULT ';

export function emit(result: unknown): void {
  process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}
