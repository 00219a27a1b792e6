import { ShapeError } from '../registry.js';
import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

const x = s.arg(0);
const half = (inner: s.ScalarExpr) => s.mul(s.mul(s.lit(0.5), x), s.add(s.lit(1), inner));

/**
 * approximate 'none': the exact (erf) form, as tfjs-layers' 'gelu' activation and Keras' default
 * approximate=false; 'tanh': 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³))), ONNX Gelu's other mode.
 */
export const gelu = elementwiseOp(
  'gelu',
  "0.5 * x * (1 + erf(x / sqrt(2))) (approximate 'none'), or its tanh approximation ('tanh')",
  1,
  (a) => {
    if (a.approximate === 'tanh') return half(s.tanh(s.mul(s.lit(Math.sqrt(2 / Math.PI)), s.add(x, s.mul(s.lit(0.044715), s.mul(x, s.mul(x, x)))))));
    if (a.approximate !== 'none') throw new ShapeError(`gelu approximate '${String(a.approximate)}': expected 'none' or 'tanh'`);
    return half(s.erf(s.mul(x, s.lit(Math.SQRT1_2))));
  },
  { approximate: { kind: 'string', default: 'none' } },
);
