import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

/** x where x > 0, else slope * x; the slope broadcasts to x (ONNX PRelu). */
export const prelu = elementwiseOp('prelu', 'x > 0 ? x : slope * x, slope broadcasting', 2, () =>
  s.select(s.arg(0), s.arg(0), s.mul(s.arg(1), s.arg(0))),
);
