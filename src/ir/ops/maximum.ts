import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

// The scalar math names the operands in swapped order on purpose: the derivative rule of
// max(x, y) / min(x, y) gives y's side on ties (relu = max($0, 0) needs that), while tfjs'
// Maximum / Minimum gradients give ties to the first operand (a >= b, a <= b). max($1, $0) has
// the same value as max($0, $1) and routes gradients exactly as tfjs does. Not `commutative`:
// swapping the operands changes where a tie's gradient goes.
const NUMBERS = { operands: ['f32', 'i32'], same: true } as const;

export const maximum = elementwiseOp('maximum', 'max(a, b), broadcasting; ties give the gradient to a', 2, () => s.max(s.arg(1), s.arg(0)), {}, {}, NUMBERS);
export const minimum = elementwiseOp('minimum', 'min(a, b), broadcasting; ties give the gradient to a', 2, () => s.min(s.arg(1), s.arg(0)), {}, {}, NUMBERS);
