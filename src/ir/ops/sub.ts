import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

export const sub = elementwiseOp('sub', 'a - b, broadcasting', 2, () => s.sub(s.arg(0), s.arg(1)), {}, {}, { operands: ['f32', 'i32'], same: true });
