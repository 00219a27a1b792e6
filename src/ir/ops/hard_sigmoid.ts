import * as s from '../scalar-expr.js';
import { elementwiseOp, numAttr } from './elementwise-helpers.js';

/**
 * max(0, min(1, alpha * x + beta)). The defaults (0.2, 0.5) are ONNX's, tfjs' and Keras 2's
 * (Keras 3's hard_sigmoid is alpha = 1/6).
 */
export const hardSigmoid = elementwiseOp(
  'hard_sigmoid',
  'max(0, min(1, alpha * x + beta)) (alpha defaults to 0.2, beta to 0.5)',
  1,
  (a) => s.max(s.min(s.add(s.mul(s.lit(numAttr(a, 'alpha', 0.2)), s.arg(0)), s.lit(numAttr(a, 'beta', 0.5))), s.lit(1)), s.lit(0)),
  { alpha: { kind: 'float', default: 0.2 }, beta: { kind: 'float', default: 0.5 } },
);
