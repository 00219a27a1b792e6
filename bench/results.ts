import type { MeasureResult } from './child/protocol.js';
import type { Bytes } from './sizes.js';

/** Cold start and memory of one runner over several fresh processes. */
export interface ColdStartSummary {
  readonly medianMs: number;
  readonly runsMs: readonly number[];
  readonly peakRssKiB: number;
  /** Median peak RSS minus that of `node -e 0`. */
  readonly rssOverBaselineMiB: number;
}

export interface RunnerResult {
  readonly name: string;
  readonly description: string;
  /** The nnc runner this row's `vs nnc` ratios compare with. */
  readonly baseline: string;
  /** Why the runner was not measured (engine missing, bundle not built). */
  skipped?: string;
  /** Failures of single measurements; the rest of the row is still reported. */
  readonly errors: string[];
  measure?: MeasureResult;
  cold?: ColdStartSummary;
  shipped?: { readonly code: Bytes; readonly weights: Bytes; readonly note: string };
  /** What ran, for a row that ships nothing (the Python peer). */
  note?: string;
}

export interface BenchResults {
  readonly date: string;
  readonly node: string;
  readonly model: string;
  readonly parameters: number;
  readonly flopsPerRow: number;
  readonly batch: number;
  readonly calls: number;
  readonly coldRuns: number;
  /** Passes of latency and throughput per runner, the runners interleaved (their median is reported). */
  readonly passes: number;
  readonly baselineRssKiB: number;
  readonly runners: RunnerResult[];
}
