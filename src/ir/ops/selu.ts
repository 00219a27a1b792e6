import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';
import { eluExpr } from './elu.js';

// The self-normalizing constants of Klambauer et al. (2017), as Keras and tfjs define them.
export const SELU_ALPHA = 1.6732632423543772848170429916717;
export const SELU_SCALE = 1.0507009873554804934193349852946;

export const selu = elementwiseOp('selu', 'scale * elu(x, alpha)', 1, () => s.mul(s.lit(SELU_SCALE), eluExpr(s.arg(0), SELU_ALPHA)));
