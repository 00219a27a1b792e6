import type { OpDef } from '../registry.js';
import * as s from '../scalar-expr.js';
import { DTYPES } from '../types.js';
import { elementwiseOp } from './elementwise-helpers.js';
import { sumToShape } from './reduce_sum.js';

// Logic on bool values (0 / 1), broadcasting; the math counts the true operands in i32, so no
// backend needs functions of its own for them.
const BOOLS = { operands: ['bool'] } as const;
const count = (...xs: s.ScalarExpr[]) => xs.map((x) => s.castTo('i32', x)).reduce((a, b) => s.add(a, b));

export const not = elementwiseOp('not', 'logical not of a bool', 1, () => s.eq(count(s.arg(0)), s.lit(0)), {}, {}, BOOLS);
export const and = elementwiseOp('and', 'a and b (bools), broadcasting', 2, () => s.eq(count(s.arg(0), s.arg(1)), s.lit(2)), {}, { commutative: true }, BOOLS);
export const or = elementwiseOp('or', 'a or b (bools), broadcasting', 2, () => s.gt(count(s.arg(0), s.arg(1)), s.lit(0)), {}, { commutative: true }, BOOLS);
export const xor = elementwiseOp('xor', 'a xor b (bools), broadcasting', 2, () => s.eq(count(s.arg(0), s.arg(1)), s.lit(1)), {}, { commutative: true }, BOOLS);

const whereMath = () => s.where(s.arg(0), s.arg(1), s.arg(2));

/**
 * c ? a : b with a bool c and a, b of one dtype, all three broadcasting (ONNX Where). The gradient
 * is written out (the fused `elementwise` node of the generic rule takes no bool operand): g
 * goes to a where c holds and to b elsewhere.
 */
export const where: OpDef = {
  ...elementwiseOp('where', 'c ? a : b (c bool; a, b of one dtype), broadcasting', 3, whereMath, {}, {}, { operands: DTYPES }),
  gradient(b, node, g) {
    const [c, x, y] = node.inputs as [typeof g, typeof g, typeof g];
    const zero = b.constant([0], { dtype: 'f32', shape: [] });
    return [null, sumToShape(b, b.op('where', [c, g, zero]), x.type.shape), sumToShape(b, b.op('where', [c, zero, g]), y.type.shape)];
  },
};
