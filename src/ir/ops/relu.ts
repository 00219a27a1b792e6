import type { OpDef } from '../registry.js';
import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

const base = elementwiseOp('relu', 'max(x, 0)', 1, () => s.max(s.arg(0), s.lit(0)));

export const relu: OpDef = {
  ...base,
  // g where the output is positive (the same cells as the input, NaN included: neither passes).
  // Reading the output rather than the input leaves the input one reader, relu itself, so the
  // fuse pass can apply relu in its producer's epilogue (a conv2d or dense) in a training step too.
  gradient: (b, node, g) => [b.op('elementwise', [node, g], { expr: 'mul($1,select($0,1,0))' })],
};
