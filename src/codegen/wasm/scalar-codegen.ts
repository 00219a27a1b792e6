import binaryen from 'binaryen';
import { renderScalar, TRANSCENDENTAL, type ScalarExpr, type ScalarFn } from '../../ir/scalar-expr.js';
import type { KernelContext } from './context.js';
import type { MathFn } from './math.js';
import { emitVectorMath, ensureVectorMathFunction, VECTOR_MATH, type VectorMathFn } from './vector-math.js';
import type { DType } from '../../ir/types.js';

type Expr = binaryen.ExpressionRef;

/**
 * How an expression is evaluated: 'f64' per element (any function; transcendental ones call the
 * module's math helpers), or in f32 / f32x4 for expressions made only of functions wasm has
 * instructions for (see `isVectorizable`).
 */
export type Flavor = 'f64' | 'f32' | 'f32x4';

/** Comparisons, conversions and where: scalar code only (emitTypedScalar). */
const TYPED: ReadonlySet<ScalarFn> = new Set<ScalarFn>(['eq', 'lt', 'gt', 'le', 'ge', 'to_f32', 'to_i32', 'to_bool', 'where']);
/** Functions with no single f32x4 instruction, computed per element in f32. */
const SCALAR_ONLY: ReadonlySet<ScalarFn> = new Set<ScalarFn>(['sign']);

/**
 * True when every function in `e` maps to one f32x4 instruction, or (with `simd`: the SIMD
 * module) to a function of vector-math.ts; such an expression is computed in f32 (f32x4).
 */
export function isVectorizable(e: ScalarExpr, simd = false): boolean {
  if (e.kind !== 'call') return true;
  const inF32 = TRANSCENDENTAL.has(e.fn) ? simd && VECTOR_MATH.has(e.fn) : !TYPED.has(e.fn) && !SCALAR_ONLY.has(e.fn);
  return inF32 && e.args.every((a) => isVectorizable(a, simd));
}


/** Translates a scalar expression; `arg(i)` yields a fresh expression reading operand i. */
export function emitScalarExpr(ctx: KernelContext, e: ScalarExpr, flavor: Flavor, arg: (i: number) => Expr): Expr {
  /** The value of each constant rendered so far, by its expression (vectorCall reads them). */
  const constants = new Map<Expr, number>();
  return renderScalar<Expr>(e, {
    arg,
    constant: (value) => {
      const c = constant(ctx, flavor, value);
      constants.set(c, value);
      return c;
    },
    call: (fn, a) => (flavor === 'f32x4' ? vectorCall(ctx, fn, a, constants) : floatCall(ctx, flavor, fn, a)),
    bind: (value) => bindLocal(ctx, value, flavor === 'f32x4' ? binaryen.v128 : flavor === 'f64' ? binaryen.f64 : binaryen.f32),
  });
}

/** A repeated sub-expression computed once: stored in a fresh local at its first use (see renderScalar). */
function bindLocal(ctx: KernelContext, value: Expr, type: binaryen.Type): { first: Expr; again(): Expr } {
  const local = ctx.local(type);
  return { first: ctx.m.local.tee(local, value, type), again: () => ctx.m.local.get(local, type) };
}

/**
 * `condition ? ifTrue : ifFalse`, evaluating the condition first: wasm's select (and bitselect)
 * evaluate it last, and a sub-expression shared by the condition and a branch is stored where
 * renderScalar first renders it, in the condition.
 */
function selectInOrder(ctx: KernelContext, condition: Expr, ifTrue: Expr, ifFalse: Expr, type: binaryen.Type, vector = false): Expr {
  const { m } = ctx;
  const conditionType = vector ? binaryen.v128 : binaryen.i32;
  const c = ctx.local(conditionType);
  const get = () => m.local.get(c, conditionType);
  return m.block(null, [m.local.set(c, condition), vector ? m.v128.bitselect(ifTrue, ifFalse, get()) : m.select(get(), ifTrue, ifFalse)], type);
}

/** One function of f32 or f64 operands. */
function floatCall(ctx: KernelContext, flavor: 'f32' | 'f64', fn: ScalarFn, a: readonly Expr[]): Expr {
  const { m } = ctx;
  const ops = flavor === 'f64' ? m.f64 : m.f32;
  switch (fn) {
    case 'add': return ops.add(a[0]!, a[1]!);
    case 'sub': return ops.sub(a[0]!, a[1]!);
    case 'mul': return ops.mul(a[0]!, a[1]!);
    case 'div': return ops.div(a[0]!, a[1]!);
    case 'max': return ops.max(a[0]!, a[1]!);
    case 'min': return ops.min(a[0]!, a[1]!);
    case 'neg': return ops.neg(a[0]!);
    case 'abs': return ops.abs(a[0]!);
    case 'sqrt': return ops.sqrt(a[0]!);
    case 'floor': return ops.floor(a[0]!);
    case 'ceil': return ops.ceil(a[0]!);
    case 'select': return selectInOrder(ctx, ops.gt(a[0]!, constant(ctx, flavor, 0)), a[1]!, a[2]!, flavor === 'f64' ? binaryen.f64 : binaryen.f32);
    // The condition of where is a bool (an i32 0 / 1).
    case 'where': return selectInOrder(ctx, a[0]!, a[1]!, a[2]!, flavor === 'f64' ? binaryen.f64 : binaryen.f32);
    case 'sign': {
      // -1, 0 or 1; NaN (and ±0) passes through.
      const type = flavor === 'f64' ? binaryen.f64 : binaryen.f32;
      const x = ctx.local(type);
      const get = () => m.local.get(x, type);
      const zero = () => constant(ctx, flavor, 0);
      return m.block(null, [m.local.set(x, a[0]!), m.select(ops.gt(get(), zero()), constant(ctx, flavor, 1), m.select(ops.lt(get(), zero()), constant(ctx, flavor, -1), get()))], type);
    }
    default: {
      // In f32 (the SIMD module's tails), lane 0 of the vector function: the same numbers as the vectors.
      if (flavor === 'f32' && ctx.simd && VECTOR_MATH.has(fn))
        return m.f32x4.extract_lane(m.call(ensureVectorMathFunction(m, fn as VectorMathFn), [m.f32x4.splat(a[0]!)], binaryen.v128), 0);
      if (flavor !== 'f64') throw new Error(`'${fn}' needs the f64 flavor`);
      return m.call(ctx.math(fn as MathFn), [...a], binaryen.f64);
    }
  }
}

function constant(ctx: KernelContext, flavor: Flavor, v: number): Expr {
  if (flavor === 'f64') return ctx.m.f64.const(v);
  if (flavor === 'f32') return ctx.m.f32.const(v);
  return ctx.vectorConstant('f32', v);
}

function vectorCall(ctx: KernelContext, fn: ScalarFn, a: readonly Expr[], constants: ReadonlyMap<Expr, number>): Expr {
  const { m } = ctx;
  const v = m.f32x4;
  switch (fn) {
    case 'add': return v.add(a[0]!, a[1]!);
    case 'sub': return v.sub(a[0]!, a[1]!);
    case 'mul': return v.mul(a[0]!, a[1]!);
    case 'div': return v.div(a[0]!, a[1]!);
    case 'max': return againstConstant(ctx, 'max', a, constants) ?? v.max(a[0]!, a[1]!);
    case 'min': return againstConstant(ctx, 'min', a, constants) ?? v.min(a[0]!, a[1]!);
    case 'neg': return v.neg(a[0]!);
    case 'abs': return v.abs(a[0]!);
    case 'sqrt': return v.sqrt(a[0]!);
    case 'floor': return v.floor(a[0]!);
    case 'ceil': return v.ceil(a[0]!);
    case 'select': return selectInOrder(ctx, v.gt(a[0]!, v.splat(m.f32.const(0))), a[1]!, a[2]!, binaryen.v128, true);
    default:
      if (VECTOR_MATH.has(fn)) return emitVectorMath(m, fn as VectorMathFn, a[0]!, () => ctx.local(binaryen.v128), (lane, value) => ctx.vectorConstant(lane, value));
      throw new Error(`'${fn}' has no f32x4 instruction`);
  }
}

/**
 * max / min of a vector and a constant with pmax / pmin where that gives the same lanes. wasm's
 * f32x4.max and min order NaN and ±0, which costs V8 ~8 x64 instructions each; pmax(x, c) =
 * x < c ? c : x and pmin(x, c) = c < x ? c : x are one maxps / minps. Against a constant c that
 * is not NaN they agree with max and min, NaN x included (it falls through), except for the sign
 * of a zero: max(−0, +0) is +0 where pmax gives −0, which adding +0 fixes (−0 + 0 = +0, and
 * x + 0 = x otherwise); min(+0, −0) has no such fix and keeps f32x4.min. Undefined: no constant.
 * (relu, hard sigmoid and every clamp of a gate take this path.)
 */
function againstConstant(ctx: KernelContext, fn: 'max' | 'min', a: readonly Expr[], constants: ReadonlyMap<Expr, number>): Expr | undefined {
  const v = ctx.m.f32x4;
  const at = constants.has(a[1]!) ? 1 : constants.has(a[0]!) ? 0 : -1;
  const c = constants.get(a[at]!);
  if (c === undefined || Number.isNaN(c)) return undefined;
  const [x, k] = [a[1 - at]!, a[at]!];
  if (fn === 'max') return Object.is(c, 0) ? v.add(v.pmax(x, k), constant(ctx, 'f32x4', 0)) : v.pmax(x, k);
  return Object.is(c, -0) ? undefined : v.pmin(x, k);
}

/** True when `e` compares, converts or selects by a bool: code that emitTypedScalar writes, even over f32 operands only. */
export function usesTypedFunctions(e: ScalarExpr): boolean {
  return e.kind === 'call' && (TYPED.has(e.fn) || e.args.some(usesTypedFunctions));
}

/** True when an i32 expression maps to i32x4 instructions (no division: it has none). */
export function isIntVectorizable(e: ScalarExpr): boolean {
  return e.kind !== 'call' || (['add', 'sub', 'mul', 'min', 'max', 'neg', 'abs'].includes(e.fn) && e.args.every(isIntVectorizable));
}

/** An i32 expression over i32x4 operands (see isIntVectorizable). */
export function emitIntVector(ctx: KernelContext, e: ScalarExpr, arg: (i: number) => Expr): Expr {
  const { m } = ctx;
  const v = m.i32x4;
  return renderScalar<Expr>(e, {
    arg,
    constant: (value) => v.splat(m.i32.const(value | 0)),
    call(fn, a) {
      switch (fn) {
        case 'add': return v.add(a[0]!, a[1]!);
        case 'sub': return v.sub(a[0]!, a[1]!);
        case 'mul': return v.mul(a[0]!, a[1]!);
        case 'min': return v.min_s(a[0]!, a[1]!);
        case 'max': return v.max_s(a[0]!, a[1]!);
        case 'neg': return v.neg(a[0]!);
        case 'abs': return v.abs(a[0]!);
        default: throw new Error(`'${fn}' has no i32x4 instruction`);
      }
    },
  });
}

/**
 * Translates an expression whose operands have dtypes `argDtypes` (scalar code): f32 values in
 * `float` ('f32', or 'f64' where transcendental functions need it), i32 and bool values as i32.
 * i32 arithmetic wraps, division truncates toward zero and gives 0 for a zero divisor (and
 * -2^31 for -2^31 / -1), as the reference interpreter; comparisons give 1 / 0; to_i32 truncates
 * toward zero, saturating, NaN -> 0. The value has the expression's scalarDtype.
 */
export function emitTypedScalar(ctx: KernelContext, e: ScalarExpr, float: 'f32' | 'f64', argDtypes: readonly DType[], arg: (i: number) => Expr): Expr {
  const { m } = ctx;
  return renderScalar<Expr>(
    e,
    {
      arg,
      constant: (value, dtype) => literal(m, dtype === 'f32' ? float : 'i32', value),
      call: (fn, vals, { operandDtype }) => typedCall(ctx, float, fn, vals, operandDtype),
    },
    argDtypes,
  );
}

function typedCall(ctx: KernelContext, float: 'f32' | 'f64', fn: ScalarFn, vals: readonly Expr[], dtype: DType): Expr {
  const { m } = ctx;
  const F = float === 'f64' ? m.f64 : m.f32;
  const isInt = dtype !== 'f32';
  if (fn === 'to_f32') return isInt ? F.convert_s.i32(vals[0]!) : vals[0]!;
  if (fn === 'to_bool') return isInt ? m.i32.ne(vals[0]!, m.i32.const(0)) : F.ne(vals[0]!, literal(m, float, 0));
  if (fn === 'to_i32') return isInt ? vals[0]! : truncSat(ctx, float, vals[0]!);
  if (!isInt) {
    if (fn === 'eq') return F.eq(vals[0]!, vals[1]!);
    if (fn === 'lt') return F.lt(vals[0]!, vals[1]!);
    if (fn === 'gt') return F.gt(vals[0]!, vals[1]!);
    if (fn === 'le') return F.le(vals[0]!, vals[1]!);
    if (fn === 'ge') return F.ge(vals[0]!, vals[1]!);
    return floatCall(ctx, float, fn, vals);
  }
  const I = m.i32;
  switch (fn) {
    case 'add': return I.add(vals[0]!, vals[1]!);
    case 'sub': return I.sub(vals[0]!, vals[1]!);
    case 'mul': return I.mul(vals[0]!, vals[1]!);
    case 'neg': return I.sub(I.const(0), vals[0]!);
    case 'eq': return I.eq(vals[0]!, vals[1]!);
    case 'lt': return I.lt_s(vals[0]!, vals[1]!);
    case 'gt': return I.gt_s(vals[0]!, vals[1]!);
    case 'le': return I.le_s(vals[0]!, vals[1]!);
    case 'ge': return I.ge_s(vals[0]!, vals[1]!);
    case 'where': return m.select(vals[0]!, vals[1]!, vals[2]!);
    case 'sign': {
      const a = ctx.local(binaryen.i32);
      const get = () => m.local.get(a, binaryen.i32);
      return m.block(null, [m.local.set(a, vals[0]!), m.select(I.gt_s(get(), I.const(0)), I.const(1), m.select(I.lt_s(get(), I.const(0)), I.const(-1), I.const(0)))], binaryen.i32);
    }
    case 'max':
    case 'min': {
      const [a, b] = [ctx.local(binaryen.i32), ctx.local(binaryen.i32)];
      const get = (l: number) => m.local.get(l, binaryen.i32);
      const pick = fn === 'max' ? I.gt_s(get(a), get(b)) : I.lt_s(get(a), get(b));
      return m.block(null, [m.local.set(a, vals[0]!), m.local.set(b, vals[1]!), m.select(pick, get(a), get(b))], binaryen.i32);
    }
    case 'abs': {
      const a = ctx.local(binaryen.i32);
      const get = () => m.local.get(a, binaryen.i32);
      return m.block(null, [m.local.set(a, vals[0]!), m.select(I.lt_s(get(), I.const(0)), I.sub(I.const(0), get()), get())], binaryen.i32);
    }
    case 'div': {
      // div_s traps on a zero divisor and on -2^31 / -1: divide by 1 there, then give 0 for x / 0.
      const [a, b] = [ctx.local(binaryen.i32), ctx.local(binaryen.i32)];
      const get = (l: number) => m.local.get(l, binaryen.i32);
      const overflow = I.and(I.eq(get(a), I.const(-2147483648)), I.eq(get(b), I.const(-1)));
      const safe = m.select(I.or(I.eqz(get(b)), overflow), I.const(1), get(b));
      const q = m.select(I.eqz(get(b)), I.const(0), I.div_s(get(a), safe));
      return m.block(null, [m.local.set(a, vals[0]!), m.local.set(b, vals[1]!), q], binaryen.i32);
    }
    default: throw new Error(`'${fn}' takes f32, not ${dtype}`);
  }
}

function literal(m: binaryen.Module, type: 'f32' | 'f64' | 'i32', v: number): Expr {
  return type === 'f64' ? m.f64.const(v) : type === 'f32' ? m.f32.const(v) : m.i32.const(v | 0);
}

/** f32/f64 -> i32 toward zero, saturating at the i32 range, NaN -> 0 (no trapping conversion). */
function truncSat(ctx: KernelContext, float: 'f32' | 'f64', x: Expr): Expr {
  const { m } = ctx;
  const t = ctx.local(binaryen.f64);
  const get = () => m.local.get(t, binaryen.f64);
  const inRange = m.i32.and(m.f64.lt(get(), m.f64.const(2147483648)), m.f64.gt(get(), m.f64.const(-2147483649)));
  return m.block(
    null,
    [
      m.local.set(t, float === 'f32' ? m.f64.promote(x) : x),
      m.if(
        m.f64.ne(get(), get()),
        m.i32.const(0),
        m.if(inRange, m.i32.trunc_s.f64(get()), m.select(m.f64.gt(get(), m.f64.const(0)), m.i32.const(2147483647), m.i32.const(-2147483648))),
      ),
    ],
    binaryen.i32,
  );
}
