import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

/** In i32, division truncates toward zero (ONNX, C); dividing by zero gives 0 (scalar-expr.ts). */
export const div = elementwiseOp('div', 'a / b, broadcasting', 2, () => s.div(s.arg(0), s.arg(1)), {}, {}, { operands: ['f32', 'i32'], same: true });
