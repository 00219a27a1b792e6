import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

/**
 * max(0, min(1, alpha * x + beta)). The defaults (0.2, 0.5) are ONNX's, tfjs' and Keras 2's
 * (Keras 3's hard_sigmoid is alpha = 1/6).
 */
export const hardSigmoid = elementwiseOp(
  'hard_sigmoid',
  'max(0, min(1, alpha * x + beta)) (alpha defaults to 0.2, beta to 0.5)',
  1,
  (a) => s.max(s.min(s.add(s.mul(s.lit(a.alpha as number), s.arg(0)), s.lit(a.beta as number)), s.lit(1)), s.lit(0)),
  { alpha: { kind: 'float', default: 0.2 }, beta: { kind: 'float', default: 0.5 } },
);
