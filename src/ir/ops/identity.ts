import type { OpDef } from '../registry.js';
import { DTYPES } from '../types.js';

/** Passes its operand through; canonicalize removes it. Lowered from Activation('linear'). */
export const identity: OpDef = {
  name: 'identity',
  summary: 'x (removed by canonicalize)',
  arity: 1,
  attrs: {},
  traits: { passThrough: true, rowLocal: true },
  dtypes: { operands: DTYPES },
  inferType: ([x]) => x!,
  evaluate: ([x]) => x!,
  gradient: (_b, _node, g) => [g],
};
