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

/** The locals a body works in: indices, the first holding the argument. */
type Locals = readonly number[];
/** Locals each body needs, the argument included. */
const LOCALS = 8;
/** A v128 of four equal f32 or i32 lanes (KernelContext.vectorConstant in a kernel). */
export type LaneConstant = (lane: 'f32' | 'i32', value: number) => Expr;
/** A body: fn(L[0]) from its locals; `exp` evaluates exp of a vector (erf needs it); `c` gives its constants. */
type Body = (m: binaryen.Module, L: Locals, exp: (x: Expr) => Expr, c: LaneConstant) => Expr;

/** Constants built where they are used: the module function's, which runs once per scalar tail. */
const inlineConstant =
  (m: binaryen.Module): LaneConstant =>
  (lane, value) =>
    lane === 'f32' ? m.f32x4.splat(m.f32.const(value)) : m.i32x4.splat(m.i32.const(value));

/** Adds `$<fn>_f32x4` (v128 -> v128) to the module once and returns its name (the SIMD module's scalar tails call it). */
export function ensureVectorMathFunction(m: binaryen.Module, fn: VectorMathFn): string {
  const name = `$${fn}_f32x4`;
  if (m.getFunction(name)) return name;
  const locals = Array.from({ length: LOCALS }, (_, i) => i);
  const body = BODIES[fn](m, locals, (x) => m.call(ensureVectorMathFunction(m, 'exp'), [x], v128), inlineConstant(m));
  m.addFunction(name, v128, v128, new Array<binaryen.Type>(LOCALS - 1).fill(v128), body);
  return name;
}

/**
 * fn(x) written in place, in fresh locals of the caller (`local`): the same operations as the
 * function, without the call, around which V8 spills every vector the caller keeps live (a
 * recurrent gate kernel holds several): batch-1 LSTM inference ~3 % faster.
 */
export function emitVectorMath(m: binaryen.Module, fn: VectorMathFn, x: Expr, local: () => number, c: LaneConstant): Expr {
  const L = Array.from({ length: LOCALS }, local);
  return m.block(null, [m.local.set(L[0]!, x), BODIES[fn](m, L, (y) => emitVectorMath(m, 'exp', y, local, c), c)], v128);
}

/**
 * p[0]·x^(n-1) + ... + p[n-1] by Estrin's scheme: pairs p_i·x + p_(i+1) first, then pairs of those
 * in x², then in x⁴. `powers` reads x, x², x⁴, ... (locals: each is read several times). Its
 * dependency chain is ~log2(n) multiply-adds where Horner's rule has n − 1: tanh's whole chain is
 * longer than the out-of-order window covers, so every multiply-add off it is time saved (tanh of
 * [32, 128]: 8.3 → 7.3 µs).
 */
function estrin(m: binaryen.Module, c: LaneConstant, powers: readonly (() => Expr)[], p: readonly number[]): Expr {
  // Ascending terms, paired from the constant term up: [a0 + a1·x, a2 + a3·x, ...], then in x², ...
  let terms: (() => Expr)[] = [...p].reverse().map((coefficient) => () => c('f32', coefficient));
  for (let level = 0; terms.length > 1; level++) {
    const power = powers[level];
    if (!power) throw new Error(`internal error: a polynomial of ${p.length} terms needs x^${2 ** level}`);
    const paired = terms;
    terms = Array.from({ length: Math.ceil(paired.length / 2) }, (_, j) => {
      const [low, high] = [paired[2 * j]!, paired[2 * j + 1]];
      return high ? () => m.f32x4.add(m.f32x4.mul(high(), power()), low()) : low;
    });
  }
  return terms[0]!();
}

/**
 * What exp and tanh share: for y = n ln 2 + r, sets n = round(y log2 e) and r = y − n ln 2 (ln 2
 * in two parts, so n·ln2_hi is exact) in their locals, r² and r⁴ in `work`, and gives
 * e^r − 1 = r + r²·P(r) (Cephes expf's polynomial, |r| ≤ ln2 / 2).
 */
function reducedExpm1(m: binaryen.Module, c: LaneConstant, y: () => Expr, n: number, r: number, work: readonly [number, number]): { steps: Expr[]; value: Expr } {
  const v = m.f32x4;
  const get = (l: number) => () => m.local.get(l, v128);
  const [rr, r2, r4] = [get(r), get(work[0]), get(work[1])];
  return {
    steps: [
      m.local.set(n, v.floor(v.add(v.mul(y(), c('f32', Math.LOG2E)), c('f32', 0.5)))),
      m.local.set(r, v.sub(v.sub(y(), v.mul(get(n)(), c('f32', 0.693359375))), v.mul(get(n)(), c('f32', -2.12194440e-4)))),
      m.local.set(work[0], v.mul(rr(), rr())),
      m.local.set(work[1], v.mul(r2(), r2())),
    ],
    value: v.add(v.mul(r2(), estrin(m, c, [rr, r2, r4], EXP_P)), rr()),
  };
}

/**
 * exp(x) = 2^n · e^r with x = n ln 2 + r (reducedExpm1: e^r = 1 + r + r²·P(r)). x is clamped to [−104, 88.8], beyond which the f32 result
 * is 0 or Infinity anyway; 2^n is applied as two factors 2^(n>>1) · 2^(n − n>>1), each a normal
 * f32, so results near FLT_MAX and in the subnormal range round once, in the last product. NaN
 * passes through: the clamps are pmin / pmax with x first (one minps / maxps each, where
 * f32x4.min / max cost V8 ~8 instructions), which return x when it is NaN.
 */
const expBody: Body = (m, L, _exp, c) => {
  const v = m.f32x4;
  const x = () => m.local.get(L[0]!, v128);
  const n = () => m.local.get(L[1]!, v128);
  const y = () => m.local.get(L[3]!, v128);
  const k = () => m.local.get(L[4]!, v128);
  const pow2 = (e: Expr) => m.i32x4.shl(m.i32x4.add(e, c('i32', 127)), m.i32.const(23));
  const half = () => m.i32x4.shr_s(k(), m.i32.const(1));
  const expm1 = reducedExpm1(m, c, x, L[1]!, L[2]!, [L[5]!, L[6]!]);
  return m.block(
    null,
    [
      m.local.set(L[0]!, v.pmax(v.pmin(x(), c('f32', 88.8)), c('f32', -104))),
      ...expm1.steps,
      m.local.set(L[4]!, integral(m, c, n())),
      m.local.set(L[3]!, v.add(expm1.value, c('f32', 1))),
      v.mul(v.mul(y(), pow2(half())), pow2(m.i32x4.sub(k(), half()))),
    ],
    v128,
  );
};

/**
 * An integral n (|n| < 2^22) as i32 lanes: n + 1.5·2^23 is exact and holds n in its low mantissa
 * bits, so its bits minus those of 1.5·2^23 are n. Two instructions where trunc_sat costs V8
 * ~7 (its NaN and overflow cases cannot occur here: a NaN n gives garbage that the NaN in the
 * result's other factor overrides).
 */
function integral(m: binaryen.Module, c: LaneConstant, n: Expr): Expr {
  return m.i32x4.sub(m.f32x4.add(n, c('f32', 12582912)), c('i32', 0x4b400000));
}

/** Cephes expf's polynomial: e^r = 1 + r + r²·P(r) for |r| ≤ ln2 / 2. */
const EXP_P = [1.987569150e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/**
 * tanh(x) = sign(x) · −e / (e + 2), e = expm1(−2|x|) ∈ (−1, 0]: one exp-like evaluation and a
 * division, no branch. expm1(y) = 2^n·(e^r − 1) + (2^n − 1) with y = n ln 2 + r, where e^r − 1 is
 * exp's own r + r²·P(r) without the 1, so small |x| (n = 0) keep their relative precision and
 * the denominator never cancels. y is clamped at −20, past which tanh rounds to ±1 and 2^n stays
 * normal. Infinities give ±1, NaN gives NaN, −0 gives −0.
 */
const tanhBody: Body = (m, L, _exp, c) => {
  const v = m.f32x4;
  const x = () => m.local.get(L[0]!, v128);
  const y = () => m.local.get(L[1]!, v128);
  const n = () => m.local.get(L[2]!, v128);
  const e = () => m.local.get(L[4]!, v128);
  const scale = () => m.local.get(L[5]!, v128);
  const k = integral(m, c, n());
  const expm1 = reducedExpm1(m, c, y, L[2]!, L[3]!, [L[6]!, L[7]!]);
  return m.block(
    null,
    [
      m.local.set(L[1]!, v.pmax(v.mul(v.abs(x()), c('f32', -2)), c('f32', -20))),
      ...expm1.steps,
      m.local.set(L[4]!, expm1.value),
      m.local.set(L[5]!, m.i32x4.shl(m.i32x4.add(k, c('i32', 127)), m.i32.const(23))),
      m.local.set(L[4]!, v.add(v.mul(e(), scale()), v.sub(scale(), c('f32', 1)))),
      m.v128.or(v.div(v.neg(e()), v.add(e(), c('f32', 2))), m.v128.and(x(), c('i32', 0x80000000 | 0))),
    ],
    v128,
  );
};

/** erf by Abramowitz–Stegun 7.1.26, the formula of the reference interpreter and tfjs, in f32. */
const erfBody: Body = (m, L, exp, c) => {
  const v = m.f32x4;
  const { p, a1, a2, a3, a4, a5 } = ERF_COEFFS;
  const x = () => m.local.get(L[0]!, v128);
  const t = () => m.local.get(L[1]!, v128);
  const abs = () => m.local.get(L[2]!, v128);
  const t2 = () => m.local.get(L[3]!, v128);
  const t4 = () => m.local.get(L[4]!, v128);
  const poly = v.mul(estrin(m, c, [t, t2, t4], [a5, a4, a3, a2, a1]), t());
  const magnitude = v.sub(c('f32', 1), v.mul(poly, exp(v.neg(v.mul(abs(), abs())))));
  return m.block(
    null,
    [
      m.local.set(L[2]!, v.abs(x())),
      m.local.set(L[1]!, v.div(c('f32', 1), v.add(c('f32', 1), v.mul(c('f32', p), abs())))),
      m.local.set(L[3]!, v.mul(t(), t())),
      m.local.set(L[4]!, v.mul(t2(), t2())),
      // |erf| with x's sign (magnitude is >= 0; NaN stays NaN).
      m.v128.or(magnitude, m.v128.and(x(), c('i32', 0x80000000 | 0))),
    ],
    v128,
  );
};

const BODIES: Readonly<Record<VectorMathFn, Body>> = { exp: expBody, tanh: tanhBody, erf: erfBody };
