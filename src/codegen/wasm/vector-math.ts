import binaryen from 'binaryen';
import { ERF_COEFFS } from '../../ir/scalar-expr.js';

/**
 * exp, tanh and erf on four f32 lanes at once, for the SIMD module: the f64 helpers of math.ts
 * cost a call and ~30 scalar operations per element, which made every sigmoid / tanh gate of a
 * recurrent layer slower than its matrix product. Each is a Cephes-style f32 approximation within
 * ~2 ulp (relative 2.4e-7) of the correctly rounded result; the SIMD module's scalar tails read
 * lane 0 of the same function, so every element of a tensor is computed alike.
 */
export type VectorMathFn = 'exp' | 'tanh' | 'erf';

export const VECTOR_MATH: ReadonlySet<string> = new Set<VectorMathFn>(['exp', 'tanh', 'erf']);

const { v128 } = binaryen;
type Expr = binaryen.ExpressionRef;

/** Adds `$<fn>_f32x4` (v128 -> v128) to the module once and returns its name. */
export function ensureVectorMathFunction(m: binaryen.Module, fn: VectorMathFn): string {
  const name = `$${fn}_f32x4`;
  if (m.getFunction(name)) return name;
  const body = fn === 'exp' ? expBody(m) : fn === 'tanh' ? tanhBody(m, ensureVectorMathFunction(m, 'exp')) : erfBody(m, ensureVectorMathFunction(m, 'exp'));
  m.addFunction(name, v128, v128, [v128, v128, v128], body);
  return name;
}

const splat = (m: binaryen.Module, v: number): Expr => m.f32x4.splat(m.f32.const(v));
/** p[0]·x^(n-1) + ... + p[n-1] by Horner's rule; `x` must be cheap to repeat (a local.get). */
const horner = (m: binaryen.Module, x: () => Expr, p: readonly number[]): Expr =>
  p.slice(1).reduce<Expr>((acc, c) => m.f32x4.add(m.f32x4.mul(acc, x()), splat(m, c)), splat(m, p[0]!));

/**
 * exp(x) = 2^n · e^r, n = round(x log2 e), r = x − n ln 2 (ln 2 in two parts, so n·ln2_hi is exact),
 * e^r = 1 + r + r²·P(r) (Cephes expf). x is clamped to [−104, 88.8], beyond which the f32 result
 * is 0 or Infinity anyway; 2^n is applied as two factors 2^(n>>1) · 2^(n − n>>1), each a normal
 * f32, so results near FLT_MAX and in the subnormal range round once, in the last product. NaN
 * passes through (min/max propagate it).
 */
function expBody(m: binaryen.Module): Expr {
  const v = m.f32x4;
  const x = () => m.local.get(0, v128);
  const n = () => m.local.get(1, v128);
  const r = () => m.local.get(2, v128);
  const y = () => m.local.get(3, v128);
  const pow2 = (k: Expr) => m.i32x4.shl(m.i32x4.add(k, m.i32x4.splat(m.i32.const(127))), m.i32.const(23));
  const k = () => m.i32x4.trunc_sat_f32x4_s(n());
  const half = () => m.i32x4.shr_s(k(), m.i32.const(1));
  return m.block(
    null,
    [
      m.local.set(0, v.max(v.min(x(), splat(m, 88.8)), splat(m, -104))),
      m.local.set(1, v.floor(v.add(v.mul(x(), splat(m, Math.LOG2E)), splat(m, 0.5)))),
      m.local.set(2, v.sub(v.sub(x(), v.mul(n(), splat(m, 0.693359375))), v.mul(n(), splat(m, -2.12194440e-4)))),
      m.local.set(3, v.add(v.add(v.mul(v.mul(r(), r()), horner(m, r, [1.987569150e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1])), r()), splat(m, 1))),
      v.mul(v.mul(y(), pow2(half())), pow2(m.i32x4.sub(k(), half()))),
    ],
    v128,
  );
}

/**
 * tanh(x): for |x| < 0.625, x + x·x²·P(x²) (Cephes tanhf, no cancellation near 0); beyond,
 * 1 − 2 / (e^{2|x|} + 1) with x's sign. Infinities give ±1, NaN gives NaN.
 */
function tanhBody(m: binaryen.Module, exp: string): Expr {
  const v = m.f32x4;
  const x = () => m.local.get(0, v128);
  const z = () => m.local.get(1, v128);
  const abs = () => m.local.get(2, v128);
  const small = v.add(x(), v.mul(v.mul(x(), z()), horner(m, z, [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1])));
  const e = m.call(exp, [v.add(abs(), abs())], v128);
  const large = v.sub(splat(m, 1), v.div(splat(m, 2), v.add(e, splat(m, 1))));
  const signed = m.v128.or(large, m.v128.and(x(), m.i32x4.splat(m.i32.const(0x80000000 | 0))));
  return m.block(null, [m.local.set(1, v.mul(x(), x())), m.local.set(2, v.abs(x())), m.v128.bitselect(small, signed, v.lt(abs(), splat(m, 0.625)))], v128);
}

/** erf by Abramowitz–Stegun 7.1.26, the formula of the reference interpreter and tfjs, in f32. */
function erfBody(m: binaryen.Module, exp: string): Expr {
  const v = m.f32x4;
  const { p, a1, a2, a3, a4, a5 } = ERF_COEFFS;
  const x = () => m.local.get(0, v128);
  const t = () => m.local.get(1, v128);
  const abs = () => m.local.get(2, v128);
  const poly = v.mul(horner(m, t, [a5, a4, a3, a2, a1]), t());
  const magnitude = v.sub(splat(m, 1), v.mul(poly, m.call(exp, [v.neg(v.mul(abs(), abs()))], v128)));
  return m.block(
    null,
    [
      m.local.set(2, v.abs(x())),
      m.local.set(1, v.div(splat(m, 1), v.add(splat(m, 1), v.mul(splat(m, p), abs())))),
      // |erf| with x's sign (magnitude is >= 0; NaN stays NaN).
      m.v128.or(magnitude, m.v128.and(x(), m.i32x4.splat(m.i32.const(0x80000000 | 0)))),
    ],
    v128,
  );
}
