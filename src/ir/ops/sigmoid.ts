import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

export const sigmoidExpr = (x: s.ScalarExpr) => s.div(s.lit(1), s.add(s.lit(1), s.exp(s.neg(x))));
export const sigmoid = elementwiseOp('sigmoid', '1 / (1 + exp(-x))', 1, () => sigmoidExpr(s.arg(0)));
