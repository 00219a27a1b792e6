import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

export const tanh = elementwiseOp('tanh', 'tanh(x)', 1, () => s.tanh(s.arg(0)));
