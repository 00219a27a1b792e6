import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';
import { sigmoidExpr } from './sigmoid.js';

export const swish = elementwiseOp('swish', 'x * sigmoid(x)', 1, () => s.mul(s.arg(0), sigmoidExpr(s.arg(0))));
