import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

/** x * max(0, min(1, x / 6 + 1/2)) (ONNX HardSwish: alpha 1/6, beta 0.5). */
export const hardSwish = elementwiseOp('hard_swish', 'x * max(0, min(1, x / 6 + 0.5))', 1, () =>
  s.mul(s.arg(0), s.max(s.min(s.add(s.mul(s.lit(1 / 6), s.arg(0)), s.lit(0.5)), s.lit(1)), s.lit(0))),
);
