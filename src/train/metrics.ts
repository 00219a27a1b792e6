/**
 * Metrics as IR: each yields the batch mean of a per-example score. Keras resolves the name
 * 'accuracy' by the loss: sparse categorical, categorical or binary (threshold 0.5) accuracy.
 */
import { NncError } from '../errors.js';
import type { GraphBuilder } from '../ir/builder.js';
import type { Node } from '../ir/graph.js';
import { normalizeName } from './config-names.js';
import type { LossSpec } from './losses.js';

export interface MetricSpec {
  /** The name shown in logs (`accuracy`, `acc`, as the user wrote it). */
  readonly name: string;
  readonly kind: 'sparseCategoricalAccuracy' | 'categoricalAccuracy' | 'binaryAccuracy';
}

const EQUAL = 'select(sub(0.5,abs(sub($0,$1))),1,0)';

export function resolveMetrics(names: readonly string[] | undefined, loss: LossSpec, classes: number): MetricSpec[] {
  return (names ?? []).map((name) => {
    const key = normalizeName(name);
    if (key === 'sparsecategoricalaccuracy') return { name, kind: 'sparseCategoricalAccuracy' };
    if (key === 'categoricalaccuracy') return { name, kind: 'categoricalAccuracy' };
    if (key === 'binaryaccuracy') return { name, kind: 'binaryAccuracy' };
    if (key !== 'accuracy' && key !== 'acc')
      throw new NncError('NNC5005', `unknown metric '${name}'`, { hint: 'Supported metrics: accuracy (and its sparse/categorical/binary forms).' });
    if (loss.name === 'sparseCategoricalCrossentropy') return { name, kind: 'sparseCategoricalAccuracy' };
    if (loss.name === 'binaryCrossentropy' || classes === 1) return { name, kind: 'binaryAccuracy' };
    return { name, kind: 'categoricalAccuracy' };
  });
}

/** Batch mean of the metric (a scalar node). */
export function metricNode(b: GraphBuilder, spec: MetricSpec, loss: LossSpec, pred: Node, labels: Node): Node {
  let hits: Node;
  if (spec.kind === 'sparseCategoricalAccuracy') hits = b.op('elementwise', [b.op('argmax', [pred]), labels], { expr: EQUAL });
  else if (spec.kind === 'categoricalAccuracy') hits = b.op('elementwise', [b.op('argmax', [pred]), b.op('argmax', [labels])], { expr: EQUAL });
  else {
    // Logits cross the threshold at 0, probabilities at 0.5.
    const threshold = loss.fromLogits ? 0 : 0.5;
    hits = b.op('reduce_mean', [b.op('elementwise', [pred, labels], { expr: `select(sub(0.5,abs(sub(select(sub($0,${threshold}),1,0),$1))),1,0)` })], { axes: [-1] });
  }
  return b.op('reduce_mean', [hits], { axes: [] });
}
