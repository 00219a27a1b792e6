import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

/** max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) (ONNX Celu; alpha defaults to 1). */
export const celu = elementwiseOp(
  'celu',
  'max(0, x) + min(0, alpha * (exp(x / alpha) - 1))',
  1,
  (a) => {
    const alpha = s.lit(a.alpha as number);
    return s.add(s.max(s.arg(0), s.lit(0)), s.min(s.mul(alpha, s.sub(s.exp(s.div(s.arg(0), alpha)), s.lit(1))), s.lit(0)));
  },
  { alpha: { kind: 'float', default: 1 } },
);
