import type { OpDef } from '../registry.js';
import { DTYPES } from '../types.js';

/**
 * Inverted dropout with drop probability `rate`. At inference (everything the interpreter and the
 * bundles run) it is the identity, and canonicalize removes it; training graphs expand it into a
 * seeded mask.
 */
export const dropout: OpDef = {
  name: 'dropout',
  summary: 'identity at inference; random mask scaled by 1/(1-rate) while training',
  arity: 1,
  attrs: { rate: { kind: 'float' } },
  traits: { passThrough: true, rowLocal: true },
  dtypes: { operands: DTYPES },
  inferType: ([x]) => x!,
  evaluate: ([x]) => x!,
  // The gradient of the op as the IR defines it (the identity); training graphs differentiate the
  // masked form they expand it into.
  gradient: (_b, _node, g) => [g],
  training: { lower: ({ b, seed }, node, [x]) => ({ value: b.op('dropout_train', [x!, seed()], { rate: node.attrs.rate! }) }) },
};
