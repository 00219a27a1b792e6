import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

// Comparisons of two f32 or two i32 operands (broadcasting); the result is bool. No gradient
// flows through them.
const NUMBERS = { operands: ['f32', 'i32'], same: true } as const;

export const equal = elementwiseOp('equal', 'a == b -> bool, broadcasting', 2, () => s.eq(s.arg(0), s.arg(1)), {}, { commutative: true }, NUMBERS);
export const less = elementwiseOp('less', 'a < b -> bool, broadcasting', 2, () => s.lt(s.arg(0), s.arg(1)), {}, {}, NUMBERS);
export const greater = elementwiseOp('greater', 'a > b -> bool, broadcasting', 2, () => s.gt(s.arg(0), s.arg(1)), {}, {}, NUMBERS);
export const lessEqual = elementwiseOp('less_equal', 'a <= b -> bool, broadcasting', 2, () => s.le(s.arg(0), s.arg(1)), {}, {}, NUMBERS);
export const greaterEqual = elementwiseOp('greater_equal', 'a >= b -> bool, broadcasting', 2, () => s.ge(s.arg(0), s.arg(1)), {}, {}, NUMBERS);
