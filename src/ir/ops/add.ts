import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

export const add = elementwiseOp('add', 'a + b, broadcasting', 2, () => s.add(s.arg(0), s.arg(1)), {}, { commutative: true }, { operands: ['f32', 'i32'], same: true });
