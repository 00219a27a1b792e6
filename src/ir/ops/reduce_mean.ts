import type { OpDef } from '../registry.js';
import { REDUCE_ATTRS, inferReduce, keepsBatchAxis, reduceTensor, reducedAxes, reductionGradient } from './reduce_sum.js';

/** The count divided by is known only at run time when the batch axis is reduced (losses do). */
export const reduceMean: OpDef = {
  name: 'reduce_mean',
  summary: 'mean over `axes` (all when empty), dropping them unless `keepdims`',
  arity: 1,
  attrs: REDUCE_ATTRS,
  traits: { rowLocal: keepsBatchAxis(0) },
  inferType: inferReduce,
  evaluate: ([x], attrs, out) => reduceTensor(x!, reducedAxes(attrs, x!.shape.length), out.shape as number[], true),
  gradient: reductionGradient(true),
};
