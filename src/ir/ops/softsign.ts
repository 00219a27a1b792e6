import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

export const softsign = elementwiseOp('softsign', 'x / (1 + |x|)', 1, () => s.div(s.arg(0), s.add(s.lit(1), s.abs(s.arg(0)))));
