import type { OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { normalizeAxis, notAlongBatch } from './softmax.js';

/** Index of the largest entry along `axis` (the first on ties, as tf.argMax), as float32. */
export const argmax: OpDef = {
  name: 'argmax',
  summary: 'index of the maximum along `axis` (axis removed)',
  arity: 1,
  attrs: { axis: { kind: 'int', default: -1, printDefault: true } },
  traits: { rowLocal: notAlongBatch },
  inferType([x], attrs) {
    const ax = normalizeAxis(attrs.axis as number, x!.shape.length);
    return { dtype: 'f32', shape: x!.shape.filter((_, i) => i !== ax) };
  },
  evaluate([x], attrs, out) {
    const ax = normalizeAxis(attrs.axis as number, x!.shape.length);
    const n = x!.shape[ax]!;
    const inner = x!.shape.slice(ax + 1).reduce((p, d) => p * d, 1);
    const outer = x!.data.length / (n * inner);
    const result = tensor(out.shape as number[]);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        let best = 0;
        for (let j = 1; j < n; j++) if (x!.data[o * n * inner + j * inner + i]! > x!.data[o * n * inner + best * inner + i]!) best = j;
        result.data[o * inner + i] = best;
      }
    return result;
  },
  gradient: () => [null],
};
