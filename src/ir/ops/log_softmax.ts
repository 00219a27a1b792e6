import type { OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { normalizeAxis, notAlongBatch, softmax } from './softmax.js';

/**
 * x - log(sum(exp(x))) along `axis`, computed stably (max subtracted). Losses on logits use it:
 * -log(softmax(x)) would round small probabilities to 0 first.
 */
export const logSoftmax: OpDef = {
  name: 'log_softmax',
  summary: 'x - logsumexp(x) along `axis`',
  arity: 1,
  attrs: { axis: { kind: 'int', default: -1, printDefault: true } },
  traits: { rowLocal: notAlongBatch },
  inferType: softmax.inferType,
  evaluate([x], attrs) {
    const ax = normalizeAxis(attrs.axis as number, x!.shape.length);
    const n = x!.shape[ax]!;
    const inner = x!.shape.slice(ax + 1).reduce((p, d) => p * d, 1);
    const outer = x!.data.length / (n * inner);
    const out = tensor(x!.shape);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let m = -Infinity;
        for (let j = 0; j < n; j++) m = Math.max(m, x!.data[base + j * inner]!);
        let sum = 0;
        for (let j = 0; j < n; j++) sum += Math.exp(x!.data[base + j * inner]! - m);
        const lse = m + Math.log(sum);
        for (let j = 0; j < n; j++) out.data[base + j * inner] = x!.data[base + j * inner]! - lse;
      }
    return out;
  },
  // dx = g - softmax(x) * sum(g), and softmax(x) = exp(y).
  gradient(b, node, g) {
    const sum = b.op('reduce_sum', [g], { axes: [node.attrs.axis as number], keepdims: true });
    return [b.op('elementwise', [g, node, sum], { expr: 'sub($0,mul(exp($1),$2))' })];
  },
};
