import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

export const eluExpr = (x: s.ScalarExpr, alpha: number) => s.select(x, x, s.mul(s.lit(alpha), s.sub(s.exp(x), s.lit(1))));
export const elu = elementwiseOp('elu', 'x > 0 ? x : alpha * (exp(x) - 1)', 1, (a) => eluExpr(s.arg(0), a.alpha as number), {
  alpha: { kind: 'float', default: 1 },
});
