import type { OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { inferReduce, keepsBatchAxis, REDUCE_ATTRS, reducedAxes, reductionIndex } from './reduce_sum.js';

/** The largest entry over `axes` (all when empty). */
export const reduceMax: OpDef = {
  name: 'reduce_max',
  summary: 'max over `axes` (all when empty), dropping them unless `keepdims`',
  arity: 1,
  attrs: REDUCE_ATTRS,
  traits: { rowLocal: keepsBatchAxis(0) },
  inferType: inferReduce,
  evaluate([x], attrs, out) {
    const result = tensor(out.shape as number[], new Float32Array(out.shape.reduce<number>((p, d) => p * d!, 1)).fill(-Infinity));
    const map = reductionIndex(x!.shape, reducedAxes(attrs, x!.shape.length));
    for (let i = 0; i < x!.data.length; i++) result.data[map[i]!] = Math.max(result.data[map[i]!]!, x!.data[i]!);
    return result;
  },
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
