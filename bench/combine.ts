import type { MeasureResult } from './child/protocol.js';
import { median } from './stats.js';

/**
 * One runner's measurements over several passes (the runners interleaved, see `--passes`) as one
 * result: the median of the passes' medians for latency and throughput (and the percentiles),
 * every call and round kept, the largest deviation, and the highest CPU per wall time (a runner
 * that used a second thread in any pass is flagged).
 */
export function combinePasses(passes: readonly MeasureResult[], batch: number): MeasureResult {
  if (passes.length === 1) return passes[0]!;
  const of = (f: (m: MeasureResult) => number) => median(passes.map(f));
  const medianMs = of((m) => m.throughput.medianMs);
  // Every pass loads the same build on one machine; a pass that did not would show here.
  const builds = [...new Set(passes.flatMap((m) => (m.build ? [m.build] : [])))];
  return {
    latencyUs: {
      median: of((m) => m.latencyUs.median),
      p10: of((m) => m.latencyUs.p10),
      p90: of((m) => m.latencyUs.p90),
      calls: passes.reduce((n, m) => n + m.latencyUs.calls, 0),
      roundMedians: passes.flatMap((m) => m.latencyUs.roundMedians),
    },
    throughput: {
      medianMs,
      rowsPerSec: batch / (medianMs / 1000),
      roundsMs: passes.flatMap((m) => m.throughput.roundsMs),
      cpuPerWall: Math.max(...passes.map((m) => m.throughput.cpuPerWall)),
    },
    maxAbsError: Math.max(...passes.map((m) => m.maxAbsError)),
    openMs: of((m) => m.openMs),
    ...(builds.length ? { build: builds.join(' / ') } : {}),
  };
}
