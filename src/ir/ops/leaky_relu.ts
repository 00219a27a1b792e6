import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

export const leakyRelu = elementwiseOp(
  'leaky_relu',
  'x > 0 ? x : alpha * x (alpha defaults to 0.2, as tf.leakyRelu and Keras 3)',
  1,
  (a) => s.select(s.arg(0), s.arg(0), s.mul(s.lit(a.alpha as number), s.arg(0))),
  { alpha: { kind: 'float', default: 0.2 } },
);
