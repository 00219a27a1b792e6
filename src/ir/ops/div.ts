import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

export const div = elementwiseOp('div', 'a / b, broadcasting', 2, () => s.div(s.arg(0), s.arg(1)));
