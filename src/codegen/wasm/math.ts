import binaryen from 'binaryen';
import { ERF_COEFFS } from '../../ir/scalar-expr.js';

/** Transcendental functions the scalar DSL needs; wasm has no instructions for them. */
export type MathFn = 'exp' | 'log' | 'tanh' | 'erf' | 'pow';

const { f64, i64 } = binaryen;

/**
 * Adds `$<fn>` (f64 -> f64; pow takes two f64) to the module once and returns its name. The functions compute in
 * f64 so that, rounded to f32, results agree with the interpreter's Math.exp etc. to an ulp or two.
 */
export function ensureMathFunction(m: binaryen.Module, fn: MathFn): string {
  const name = `$${fn}`;
  if (m.getFunction(name)) return name;
  const x = () => m.local.get(0, f64);
  const c = (v: number) => m.f64.const(v);
  switch (fn) {
    case 'exp':
      m.addFunction(name, f64, f64, [f64, f64, f64], expBody(m));
      break;
    case 'log':
      m.addFunction(name, f64, f64, [i64, f64, f64, f64, f64], logBody(m));
      break;
    case 'tanh': {
      // tanh(x) = (e^2x - 1) / (e^2x + 1); |x| > 20 saturates (and keeps e^2x finite); below 1e-4,
      // tanh(x) = x to f32 precision, where e^2x - 1 would cancel.
      const t = () => m.local.get(1, f64);
      const exp = ensureMathFunction(m, 'exp');
      const body = m.if(
        m.f64.gt(m.f64.abs(x()), c(20)),
        m.f64.copysign(c(1), x()),
        m.if(
          m.f64.lt(m.f64.abs(x()), c(1e-4)),
          x(),
          m.block(null, [m.local.set(1, m.call(exp, [m.f64.mul(c(2), x())], f64)), m.f64.div(m.f64.sub(t(), c(1)), m.f64.add(t(), c(1)))], f64),
        ),
      );
      m.addFunction(name, f64, f64, [f64], body);
      break;
    }
    case 'pow':
      m.addFunction(name, binaryen.createType([f64, f64]), f64, [f64], powBody(m, ensureMathFunction(m, 'exp'), ensureMathFunction(m, 'log')));
      break;
    case 'erf': {
      // Abramowitz–Stegun 7.1.26, the formula the reference interpreter and tfjs use.
      const { p, a1, a2, a3, a4, a5 } = ERF_COEFFS;
      const ax = () => m.local.get(1, f64);
      const t = () => m.local.get(2, f64);
      const poly = [a4, a3, a2, a1].reduce((acc, a) => m.f64.add(m.f64.mul(acc, t()), c(a)), c(a5));
      const exp = ensureMathFunction(m, 'exp');
      m.addFunction(
        name,
        f64,
        f64,
        [f64, f64],
        m.block(
          null,
          [
            m.local.set(1, m.f64.abs(x())),
            m.local.set(2, m.f64.div(c(1), m.f64.add(c(1), m.f64.mul(c(p), ax())))),
            m.f64.copysign(
              m.f64.sub(c(1), m.f64.mul(m.f64.mul(poly, t()), m.call(exp, [m.f64.neg(m.f64.mul(ax(), ax()))], f64))),
              x(),
            ),
          ],
          f64,
        ),
      );
      break;
    }
  }
  return name;
}

/**
 * C's pow: 1 when y = 0 or x = 1; otherwise exp(y log |x|), negated for a negative x and an odd
 * integer y, NaN for a negative x and a non-integer y. log(0) = -Infinity makes 0^y 0 (y > 0) or
 * Infinity (y < 0); in f64, y log |x| is exact enough that the f32 result is correctly rounded
 * but for an ulp.
 */
function powBody(m: binaryen.Module, exp: string, log: string): binaryen.ExpressionRef {
  const x = () => m.local.get(0, f64);
  const y = () => m.local.get(1, f64);
  const r = () => m.local.get(2, f64);
  const c = (v: number) => m.f64.const(v);
  const isInteger = (v: () => binaryen.ExpressionRef) => m.f64.eq(m.f64.floor(v()), v());
  return m.block(
    null,
    [
      m.if(m.i32.or(m.f64.eq(y(), c(0)), m.f64.eq(x(), c(1))), m.return(c(1))),
      m.local.set(2, m.call(exp, [m.f64.mul(y(), m.call(log, [m.f64.abs(x())], f64))], f64)),
      m.if(
        m.f64.lt(x(), c(0)),
        m.block(null, [
          m.if(m.i32.eqz(isInteger(y)), m.return(c(NaN))),
          m.if(m.i32.eqz(isInteger(() => m.f64.mul(y(), c(0.5)))), m.return(m.f64.neg(r()))),
        ]),
      ),
      r(),
    ],
    f64,
  );
}

/**
 * exp(x) = 2^n * e^r with n = round(x / ln 2), |r| <= ln2 / 2, e^r by its Taylor series to r^11
 * (relative error < 1e-14). x is clamped to [-708, 709] so 2^n stays a normal f64; beyond that the
 * f32 result is 0 or Infinity anyway. NaN passes through.
 */
function expBody(m: binaryen.Module): binaryen.ExpressionRef {
  const x = () => m.local.get(0, f64);
  const n = () => m.local.get(1, f64);
  const r = () => m.local.get(2, f64);
  const c = (v: number) => m.f64.const(v);
  const LN2_HI = 0.6931471803691238;
  const LN2_LO = 1.9082149292705877e-10;
  let poly = c(1 / factorial(11));
  for (let k = 10; k >= 0; k--) poly = m.f64.add(m.f64.mul(poly, r()), c(1 / factorial(k)));
  const twoToN = m.f64.reinterpret(m.i64.shl(m.i64.add(m.i64.trunc_s.f64(n()), m.i64.const(1023n)), m.i64.const(52n)));
  return m.block(
    null,
    [
      m.if(m.f64.ne(x(), x()), m.return(x())),
      m.local.set(0, m.f64.min(m.f64.max(x(), c(-708)), c(709))),
      m.local.set(1, m.f64.nearest(m.f64.mul(x(), c(Math.LOG2E)))),
      m.local.set(2, m.f64.sub(m.f64.sub(x(), m.f64.mul(n(), c(LN2_HI))), m.f64.mul(n(), c(LN2_LO)))),
      m.f64.mul(poly, twoToN),
    ],
    f64,
  );
}

/**
 * log(x) = e ln 2 + log(m), m in [sqrt(1/2), sqrt(2)), with log(m) = 2 atanh(s), s = (m-1)/(m+1),
 * |s| < 0.172, summed to s^17. log(0) = -Infinity, log(x < 0) = NaN, log(Infinity) = Infinity.
 */
function logBody(m: binaryen.Module): binaryen.ExpressionRef {
  const x = () => m.local.get(0, f64);
  const bits = () => m.local.get(1, i64);
  const e = () => m.local.get(2, f64);
  const mant = () => m.local.get(3, f64);
  const s = () => m.local.get(4, f64);
  const s2 = () => m.local.get(5, f64);
  const c = (v: number) => m.f64.const(v);
  let series = c(1 / 17);
  for (let k = 15; k >= 1; k -= 2) series = m.f64.add(m.f64.mul(series, s2()), c(1 / k));
  return m.block(
    null,
    [
      m.if(m.i32.eqz(m.f64.gt(x(), c(0))), m.return(m.select(m.f64.eq(x(), c(0)), c(-Infinity), c(NaN)))),
      m.if(m.f64.eq(x(), c(Infinity)), m.return(x())),
      m.local.set(1, m.i64.reinterpret(x())),
      m.local.set(2, m.f64.convert_s.i64(m.i64.sub(m.i64.shr_u(bits(), m.i64.const(52n)), m.i64.const(1023n)))),
      m.local.set(3, m.f64.reinterpret(m.i64.or(m.i64.and(bits(), m.i64.const(0x000fffffffffffffn)), m.i64.const(0x3ff0000000000000n)))),
      m.if(
        m.f64.gt(mant(), c(Math.SQRT2)),
        m.block(null, [m.local.set(3, m.f64.mul(mant(), c(0.5))), m.local.set(2, m.f64.add(e(), c(1)))]),
      ),
      m.local.set(4, m.f64.div(m.f64.sub(mant(), c(1)), m.f64.add(mant(), c(1)))),
      m.local.set(5, m.f64.mul(s(), s())),
      m.f64.add(m.f64.mul(e(), c(Math.LN2)), m.f64.mul(m.f64.mul(c(2), s()), series)),
    ],
    f64,
  );
}

function factorial(k: number): number {
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  return f;
}
