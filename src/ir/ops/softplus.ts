import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

// log(1 + exp(x)) written as max(x, 0) + log(1 + exp(-|x|)) so large |x| neither overflows nor loses x.
export const softplus = elementwiseOp('softplus', 'log(1 + exp(x)), overflow-safe', 1, () =>
  s.add(s.max(s.arg(0), s.lit(0)), s.log(s.add(s.lit(1), s.exp(s.neg(s.abs(s.arg(0))))))),
);
