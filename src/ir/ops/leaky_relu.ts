import * as s from '../scalar-expr.js';
import { elementwiseOp, numAttr } from './elementwise-helpers.js';

export const leakyRelu = elementwiseOp(
  'leaky_relu',
  'x > 0 ? x : alpha * x (alpha defaults to 0.2, as tf.leakyRelu and Keras 3)',
  1,
  (a) => s.select(s.arg(0), s.arg(0), s.mul(s.lit(numAttr(a, 'alpha', 0.2)), s.arg(0))),
  { alpha: { kind: 'float', default: 0.2 } },
);
