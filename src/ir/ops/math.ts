import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

// One-operand math (ONNX's Abs, Neg, Sign, Exp, Log, Sqrt, Reciprocal, Erf, Floor, Ceil) and
// pow. abs, neg and sign keep an f32 or i32 operand's dtype (i32 wraps: abs(-2^31) = -2^31);
// the rest are f32. Gradients come from the scalar math (floor, ceil and sign have none).
const NUMBERS = { operands: ['f32', 'i32'] } as const;
const x = s.arg(0);

export const abs = elementwiseOp('abs', '|x|', 1, () => s.abs(x), {}, {}, NUMBERS);
export const neg = elementwiseOp('neg', '-x', 1, () => s.neg(x), {}, {}, NUMBERS);
export const sign = elementwiseOp('sign', '-1, 0 or 1 by the sign of x', 1, () => s.sign(x), {}, {}, NUMBERS);
export const exp = elementwiseOp('exp', 'e^x', 1, () => s.exp(x));
export const log = elementwiseOp('log', 'natural logarithm', 1, () => s.log(x));
export const sqrt = elementwiseOp('sqrt', 'square root', 1, () => s.sqrt(x));
export const reciprocal = elementwiseOp('reciprocal', '1 / x', 1, () => s.div(s.lit(1), x));
export const erf = elementwiseOp('erf', 'the error function (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7)', 1, () => s.erf(x));
export const floor = elementwiseOp('floor', 'x rounded down', 1, () => s.floor(x));
export const ceil = elementwiseOp('ceil', 'x rounded up', 1, () => s.ceil(x));
export const pow = elementwiseOp('pow', "a^b, broadcasting (C's pow)", 2, () => s.pow(s.arg(0), s.arg(1)));
