import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

export const relu = elementwiseOp('relu', 'max(x, 0)', 1, () => s.max(s.arg(0), s.lit(0)));
