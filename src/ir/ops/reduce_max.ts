import type { OpDef } from '../registry.js';
import { foldReduce, inferReduce, keepsBatchAxis, REDUCE_ATTRS } from './reduce_sum.js';

/** The largest entry over `axes` (all when empty). */
export const reduceMax: OpDef = {
  name: 'reduce_max',
  summary: 'max over `axes` (all when empty), dropping them unless `keepdims`',
  arity: 1,
  attrs: REDUCE_ATTRS,
  traits: { rowLocal: keepsBatchAxis(0) },
  inferType: inferReduce,
  evaluate: ([x], attrs, out) => foldReduce(x!, attrs, out.shape as number[], -Infinity, Math.max),
  // TF's rule: the gradient is shared evenly by the entries equal to the maximum.
  gradient(b, node, g) {
    const x = node.inputs[0]!;
    const { axes, keepdims } = node.attrs;
    const back = (v: typeof g) => b.op('unreduce', [v, x], { axes: axes!, keepdims: keepdims! });
    const winners = b.op('cast', [b.op('equal', [x, back(node)])], { to: 'f32' });
    const share = b.op('div', [g, b.op('reduce_sum', [winners], { axes: axes!, keepdims: keepdims! })]);
    return [b.op('mul', [winners, back(share)])];
  },
};
