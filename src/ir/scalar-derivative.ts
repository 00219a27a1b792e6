/**
 * Symbolic derivatives of scalar expressions. Every elementwise op declares its math once as a
 * ScalarExpr; differentiating that expression gives its gradient rule, so the backward math of
 * relu, gelu, a fused `elementwise` chain or a loss term is never written (or mistyped) by hand.
 * Conventions at kinks follow tfjs: d max(a,b) takes a's side only where a > b, d|x| = sign(x).
 */
import * as s from './scalar-expr.js';
import type { ScalarExpr } from './scalar-expr.js';

const ZERO = s.lit(0);
const ONE = s.lit(1);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

const isConst = (e: ScalarExpr, v: number) => e.kind === 'const' && e.value === v;

/** ∂e/∂$index. */
export function derivative(e: ScalarExpr, index: number): ScalarExpr {
  return simplify(diff(e, index));
}

function diff(e: ScalarExpr, index: number): ScalarExpr {
  if (e.kind === 'arg') return e.index === index ? ONE : ZERO;
  if (e.kind === 'const') return ZERO;
  const [a, b, c] = e.args as [ScalarExpr, ScalarExpr, ScalarExpr];
  const da = () => diff(a, index);
  const db = () => diff(b, index);
  switch (e.fn) {
    case 'add':
      return s.add(da(), db());
    case 'sub':
      return s.sub(da(), db());
    case 'mul':
      return s.add(s.mul(da(), b), s.mul(a, db()));
    case 'div':
      // (a/b)' = a'/b - a b' / b²
      return s.sub(s.div(da(), b), s.div(s.mul(a, db()), s.mul(b, b)));
    case 'max':
      return s.select(s.sub(a, b), da(), db());
    case 'min':
      return s.select(s.sub(b, a), da(), db());
    case 'neg':
      return s.neg(da());
    case 'abs':
      return s.mul(sign(a), da());
    case 'exp':
      return s.mul(e, da());
    case 'log':
      return s.div(da(), a);
    case 'sqrt':
      return s.div(da(), s.mul(s.lit(2), e));
    case 'tanh':
      return s.mul(s.sub(ONE, s.mul(e, e)), da());
    case 'erf':
      return s.mul(s.mul(s.lit(TWO_OVER_SQRT_PI), s.exp(s.neg(s.mul(a, a)))), da());
    case 'pow':
      // d a^b = b a^(b-1) da + a^b log(a) db (the second term only where b depends on the operand).
      return s.add(s.mul(s.mul(b, s.pow(a, s.sub(b, ONE))), da()), s.mul(s.mul(e, s.log(a)), db()));
    case 'select':
      // The condition is piecewise constant: it contributes nothing.
      return s.select(a, diff(b, index), diff(c, index));
    case 'where':
      return s.where(a, diff(b, index), diff(c, index));
    case 'floor':
    case 'ceil':
    case 'sign':
    case 'eq':
    case 'lt':
    case 'gt':
    case 'le':
    case 'ge':
    case 'to_i32':
    case 'to_bool':
      // Piecewise constant, or a value gradients do not flow through.
      return ZERO;
    case 'to_f32':
      return da();
  }
}

function sign(x: ScalarExpr): ScalarExpr {
  return s.select(x, ONE, s.select(s.neg(x), s.lit(-1), ZERO));
}

/** Folds the zeros and ones differentiation produces, so gradient kernels stay small. */
export function simplify(e: ScalarExpr): ScalarExpr {
  if (e.kind !== 'call') return e;
  const args = e.args.map(simplify);
  if (args.every((a) => a.kind === 'const')) return s.lit(s.evalScalar({ ...e, args }, []));
  const [a, b, c] = args as [ScalarExpr, ScalarExpr, ScalarExpr];
  switch (e.fn) {
    case 'add':
      if (isConst(a, 0)) return b;
      if (isConst(b, 0)) return a;
      break;
    case 'sub':
      if (isConst(b, 0)) return a;
      if (isConst(a, 0)) return s.neg(b);
      break;
    case 'mul':
      if (isConst(a, 0) || isConst(b, 0)) return ZERO;
      if (isConst(a, 1)) return b;
      if (isConst(b, 1)) return a;
      break;
    case 'div':
      if (isConst(a, 0)) return ZERO;
      if (isConst(b, 1)) return a;
      break;
    case 'neg':
      if (a.kind === 'call' && a.fn === 'neg') return a.args[0]!;
      break;
    case 'where':
      if (b.kind === 'const' && c.kind === 'const' && b.value === c.value) return b;
      break;
    case 'select':
      if (a.kind === 'const') return a.value > 0 ? b : c;
      if (b.kind === 'const' && c.kind === 'const' && b.value === c.value) return b;
      break;
  }
  return { kind: 'call', fn: e.fn, args };
}
