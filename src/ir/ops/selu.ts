import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';
import { eluExpr } from './elu.js';

// The self-normalizing constants of Klambauer et al. (2017), as Keras and tfjs define them.
export const SELU_ALPHA = 1.6732632423543772848170429916717;
export const SELU_SCALE = 1.0507009873554804934193349852946;

/** gamma * elu(x, alpha); the defaults are Keras' fixed constants (ONNX's defaults, rounded to float32, too). */
export const selu = elementwiseOp(
  'selu',
  'gamma * elu(x, alpha) (alpha and gamma default to the self-normalizing constants)',
  1,
  (a) => s.mul(s.lit(a.gamma as number), eluExpr(s.arg(0), a.alpha as number)),
  { alpha: { kind: 'float', default: SELU_ALPHA }, gamma: { kind: 'float', default: SELU_SCALE } },
);
