import type { OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { normalizeAxis, notAlongBatch } from './softmax.js';

/**
 * Index of the largest entry along `axis` (the first on ties, as tf.argMax; the last with
 * `last`), as float32; `keepdims` keeps the axis with extent 1 (the same bytes).
 */
export const argmax: OpDef = {
  name: 'argmax',
  summary: 'index of the maximum along `axis` (axis removed)',
  arity: 1,
  attrs: { axis: { kind: 'int', default: -1, printDefault: true }, keepdims: { kind: 'bool', default: false }, last: { kind: 'bool', default: false } },
  traits: { rowLocal: notAlongBatch },
  inferType([x], attrs) {
    const ax = normalizeAxis(attrs.axis as number, x!.shape.length);
    return { dtype: 'f32', shape: attrs.keepdims ? x!.shape.map((d, i) => (i === ax ? 1 : d)) : x!.shape.filter((_, i) => i !== ax) };
  },
  evaluate([x], attrs, out) {
    const ax = normalizeAxis(attrs.axis as number, x!.shape.length);
    const n = x!.shape[ax]!;
    const inner = x!.shape.slice(ax + 1).reduce((p, d) => p * d, 1);
    const outer = x!.data.length / (n * inner);
    const result = tensor(out.shape as number[]);
    const better = attrs.last ? (a: number, b: number) => a >= b : (a: number, b: number) => a > b;
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        let best = 0;
        for (let j = 1; j < n; j++) if (better(x!.data[o * n * inner + j * inner + i]!, x!.data[o * n * inner + best * inner + i]!)) best = j;
        result.data[o * inner + i] = best;
      }
    return result;
  },
  gradient: () => [null],
};
