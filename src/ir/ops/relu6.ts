import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

/** min(max(x, 0), 6): tf.relu6, Keras' relu6 activation and ReLU(max_value=6). */
export const relu6 = elementwiseOp('relu6', 'min(max(x, 0), 6)', 1, () => s.min(s.max(s.arg(0), s.lit(0)), s.lit(6)));
