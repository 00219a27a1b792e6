/**
 * The targets, per model: the throughput batch the model is measured at, targets
 * relative to peers of the same run (nnc must be `need` times better in a column), and
 * absolute limits on nnc's own numbers. Models without an entry get no verdicts.
 */
import type { RunnerResult } from './results.js';

export interface RelativeTarget {
  readonly what: string;
  readonly peer: string;
  /** A column title of report.ts's speed or size tables ('@batch' stands for the run's batch, in titles and `what`). */
  readonly column: string;
  /** Times better nnc must be; undefined: the ratio is reported without a verdict. */
  readonly need?: number;
}

export interface AbsoluteTarget {
  readonly what: string;
  readonly value: (r: RunnerResult) => number | undefined;
  readonly limit: number;
  readonly unit: string;
}

export interface ModelTargets {
  /** Repository-relative model path. */
  readonly model: string;
  /** Default rows of the throughput batch. */
  readonly batch: number;
  readonly relative: readonly RelativeTarget[];
  readonly absolute: readonly AbsoluteTarget[];
}

const versus = (what: string, column: string, need: number | undefined, peers = ['tfjs-wasm', 'ort-web']): RelativeTarget[] => peers.map((peer) => ({ what, peer, column, need }));

export const MODEL_TARGETS: readonly ModelTargets[] = [
  {
    model: 'examples/fashion-mnist/model.ts',
    batch: 10_000,
    relative: [
      { what: 'batch-1 latency', peer: 'tfjs-wasm', column: 'batch-1 µs', need: 12 },
      { what: 'batch-1 latency', peer: 'ort-web', column: 'batch-1 µs', need: 6 },
      ...versus('throughput @batch', 'rows/s @batch', 1.6),
      { what: 'cold start', peer: 'tfjs-wasm', column: 'cold ms', need: 2 },
    ],
    absolute: [
      { what: 'peak RSS over node -e 0', value: (r) => r.cold?.rssOverBaselineMiB, limit: 12, unit: 'MiB' },
      { what: 'shipped code, gzipped', value: (r) => (r.shipped ? r.shipped.code.gzip / 1024 : undefined), limit: 10, unit: 'KB' },
    ],
  },
  {
    model: 'examples/fashion-mnist-cnn/model.ts',
    batch: 256,
    relative: [...versus('batch-1 latency', 'batch-1 µs', 2), ...versus('throughput @batch', 'rows/s @batch', 1.5)],
    absolute: [],
  },
  {
    model: 'examples/fashion-mnist-lstm/model.ts',
    batch: 256,
    relative: [
      ...versus('batch-1 latency', 'batch-1 µs', 2),
      ...versus('throughput @batch', 'rows/s @batch', 1.5),
      // The issue asks for the ratio to PyTorch (a Python peer, see pytorch.ts), with no target.
      ...versus('batch-1 latency', 'batch-1 µs', undefined, ['pytorch']),
      ...versus('throughput @batch', 'rows/s @batch', undefined, ['pytorch']),
    ],
    absolute: [],
  },
];

/** Throughput batch of models without targets. */
export const DEFAULT_BATCH = 256;

export const targetsFor = (model: string): ModelTargets | undefined => MODEL_TARGETS.find((t) => t.model === model);
