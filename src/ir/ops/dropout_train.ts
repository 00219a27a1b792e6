import type { OpDef } from '../registry.js';
import { tensor } from '../tensor.js';

/**
 * Training-time dropout: zeroes element i when hash(seed, i) < rate and scales the rest by
 * 1/(1-rate). The mask is a pure function of (seed, index) — a counter-based generator — so the
 * gradient applies the very same mask by calling the op again with the same seed, and a run is
 * reproducible from its seed. `seed` is a scalar operand (an integer stored as float32).
 */
export function dropoutKeep(seed: number, index: number, rate: number): boolean {
  let z = (Math.imul(seed | 0, 0x9e3779b1) + Math.imul(index, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d);
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b);
  z ^= z >>> 16;
  return (z >>> 0) / 4294967296 >= rate;
}

export const dropoutTrain: OpDef = {
  name: 'dropout_train',
  summary: 'x * mask(seed) / (1 - rate), the mask a hash of (seed, index)',
  arity: 2,
  attrs: { rate: { kind: 'float' } },
  // The mask hashes each element's index in the whole batch: a row's mask depends on where it is.
  traits: { rowLocal: false },
  inferType: ([x]) => x!,
  evaluate([x, seed], attrs) {
    const rate = Number(attrs.rate);
    const s = seed!.data[0]!;
    const out = tensor(x!.shape);
    for (let i = 0; i < out.data.length; i++) out.data[i] = dropoutKeep(s, i, rate) ? x!.data[i]! / (1 - rate) : 0;
    return out;
  },
  gradient: (b, node, g) => [b.op('dropout_train', [g, node.inputs[1]!], node.attrs), null],
};
