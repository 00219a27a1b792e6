import binaryen from 'binaryen';
import type { ScalarExpr, ScalarFn } from '../../ir/scalar-expr.js';
import type { KernelContext } from './context.js';
import type { MathFn } from './math.js';

type Expr = binaryen.ExpressionRef;

/**
 * How an expression is evaluated: 'f64' per element (any function; transcendental ones call the
 * module's math helpers), or in f32 / f32x4 for expressions made only of functions wasm has
 * instructions for (see `isVectorizable`).
 */
export type Flavor = 'f64' | 'f32' | 'f32x4';

const TRANSCENDENTAL: ReadonlySet<ScalarFn> = new Set<ScalarFn>(['exp', 'log', 'tanh', 'erf']);

/** True when every function in `e` maps to one f32x4 instruction. */
export function isVectorizable(e: ScalarExpr): boolean {
  return e.kind !== 'call' || (!TRANSCENDENTAL.has(e.fn) && e.args.every(isVectorizable));
}

/** Translates a scalar expression; `arg(i)` yields a fresh expression reading operand i. */
export function emitScalarExpr(ctx: KernelContext, e: ScalarExpr, flavor: Flavor, arg: (i: number) => Expr): Expr {
  const { m } = ctx;
  const go = (x: ScalarExpr) => emitScalarExpr(ctx, x, flavor, arg);
  if (e.kind === 'arg') return arg(e.index);
  if (e.kind === 'const') return constant(m, flavor, e.value);
  const a = e.args.map(go);
  if (flavor === 'f32x4') return vectorCall(m, e.fn, a);
  const ops = flavor === 'f64' ? m.f64 : m.f32;
  switch (e.fn) {
    case 'add': return ops.add(a[0]!, a[1]!);
    case 'sub': return ops.sub(a[0]!, a[1]!);
    case 'mul': return ops.mul(a[0]!, a[1]!);
    case 'div': return ops.div(a[0]!, a[1]!);
    case 'max': return ops.max(a[0]!, a[1]!);
    case 'min': return ops.min(a[0]!, a[1]!);
    case 'neg': return ops.neg(a[0]!);
    case 'abs': return ops.abs(a[0]!);
    case 'sqrt': return ops.sqrt(a[0]!);
    case 'select': return m.select(ops.gt(a[0]!, constant(m, flavor, 0)), a[1]!, a[2]!);
    default: {
      if (flavor !== 'f64') throw new Error(`'${e.fn}' needs the f64 flavor`);
      return m.call(ctx.math(e.fn as MathFn), [a[0]!], binaryen.f64);
    }
  }
}

function constant(m: binaryen.Module, flavor: Flavor, v: number): Expr {
  if (flavor === 'f64') return m.f64.const(v);
  if (flavor === 'f32') return m.f32.const(v);
  return m.f32x4.splat(m.f32.const(v));
}

function vectorCall(m: binaryen.Module, fn: ScalarFn, a: Expr[]): Expr {
  const v = m.f32x4;
  switch (fn) {
    case 'add': return v.add(a[0]!, a[1]!);
    case 'sub': return v.sub(a[0]!, a[1]!);
    case 'mul': return v.mul(a[0]!, a[1]!);
    case 'div': return v.div(a[0]!, a[1]!);
    case 'max': return v.max(a[0]!, a[1]!);
    case 'min': return v.min(a[0]!, a[1]!);
    case 'neg': return v.neg(a[0]!);
    case 'abs': return v.abs(a[0]!);
    case 'sqrt': return v.sqrt(a[0]!);
    case 'select': return m.v128.bitselect(a[1]!, a[2]!, v.gt(a[0]!, v.splat(m.f32.const(0))));
    default: throw new Error(`'${fn}' has no f32x4 instruction`);
  }
}
