import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

// Exact (erf) form, as tfjs-layers' 'gelu' activation and Keras' default approximate=false.
export const gelu = elementwiseOp('gelu', '0.5 * x * (1 + erf(x / sqrt(2)))', 1, () =>
  s.mul(s.mul(s.lit(0.5), s.arg(0)), s.add(s.lit(1), s.erf(s.mul(s.arg(0), s.lit(Math.SQRT1_2))))),
);
