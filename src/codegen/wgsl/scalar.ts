/**
 * Translates the registry's scalar expression trees (src/ir/scalar-expr.ts) into WGSL f32
 * expressions, so every elementwise op and fused epilogue shares its math with the interpreter.
 */
import { ERF_COEFFS, renderScalar, type ScalarExpr, type ScalarFn } from '../../ir/scalar-expr.js';

/** Largest finite f32: WGSL has no infinity literal, so ±Infinity constants clamp to it. */
export const F32_MAX = '0x1.fffffep+127f';

/** An f32 literal: always has a fraction or exponent so WGSL does not read it as an integer. */
export function wgslFloat(value: number): string {
  if (Number.isNaN(value)) throw new Error('NaN constants cannot be expressed in WGSL');
  if (!Number.isFinite(value)) return value > 0 ? F32_MAX : `(-${F32_MAX})`;
  const text = String(Math.fround(value));
  const literal = /[.e]/i.test(text) ? text : `${text}.0`;
  return value < 0 ? `(${literal})` : literal;
}

const INFIX: Partial<Record<ScalarFn, string>> = { add: '+', sub: '-', mul: '*', div: '/', eq: '==', lt: '<', gt: '>', le: '<=', ge: '>=' };

/**
 * WGSL for `e` with arg(i) replaced by `args[i]` (variable names). Helper functions it calls
 * (nnc_tanh, nnc_erf) come from helpersFor.
 */
export function scalarToWgsl(e: ScalarExpr, args: readonly string[]): string {
  return renderScalar<string>(e, {
    arg(index) {
      const name = args[index];
      if (name === undefined) throw new Error(`scalar expression uses $${index} but only ${args.length} operands exist`);
      return name;
    },
    constant: wgslFloat,
    call(fn, a) {
      const infix = INFIX[fn];
      if (infix) return `(${a[0]} ${infix} ${a[1]})`;
      switch (fn) {
        case 'neg':
          return `(-${a[0]})`;
        case 'select':
          return `select(${a[2]}, ${a[1]}, ${a[0]} > 0.0)`;
        // Comparisons give bool values inside an f32 expression (a fused compare and cast);
        // WGSL's f32() and bool() convert bool and f32 alike, so a same-type cast is the identity.
        case 'where':
          return `select(${a[2]}, ${a[1]}, ${a[0]})`;
        case 'to_f32':
          return `f32(${a[0]})`;
        case 'to_bool':
          return `bool(${a[0]})`;
        case 'tanh':
          return `nnc_tanh(${a[0]})`;
        case 'erf':
          return `nnc_erf(${a[0]})`;
        case 'pow':
          return `nnc_pow(${a[0]}, ${a[1]})`;
        default:
          return `${fn}(${a.join(', ')})`;
      }
    },
  });
}

const { p, a1, a2, a3, a4, a5 } = ERF_COEFFS;

/**
 * tanh through exp(-2|x|), which never overflows (some WGSL tanh builtins return NaN for large
 * |x|); erf with the same Abramowitz–Stegun approximation as the interpreter and tfjs.
 */
const SCALAR_HELPERS: Readonly<Record<string, string>> = {
  // WGSL's pow is undefined for x < 0: C's pow, as the interpreter (sqrt(-1) is the NaN of a
  // negative base with a non-integer exponent; WGSL has no NaN literal).
  nnc_pow: `fn nnc_pow(x: f32, y: f32) -> f32 {
  if (y == 0.0 || x == 1.0) {
    return 1.0;
  }
  let r = exp2(y * log2(abs(x)));
  if (x < 0.0) {
    if (floor(y) != y) {
      return sqrt(x);
    }
    if (floor(y * 0.5) != y * 0.5) {
      return -r;
    }
  }
  return r;
}`,
  nnc_tanh: `fn nnc_tanh(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}`,
  nnc_erf: `fn nnc_erf(x: f32) -> f32 {
  let ax = abs(x);
  let t = 1.0 / (1.0 + ${wgslFloat(p)} * ax);
  let poly = ((((${wgslFloat(a5)} * t + ${wgslFloat(a4)}) * t + ${wgslFloat(a3)}) * t + ${wgslFloat(a2)}) * t + ${wgslFloat(a1)}) * t;
  return sign(x) * (1.0 - poly * exp(-ax * ax));
}`,
};

/** The helper functions that shader text calls, to keep shaders small. */
export function helpersFor(wgsl: string): string {
  return Object.entries(SCALAR_HELPERS)
    .filter(([name]) => wgsl.includes(`${name}(`))
    .map(([, source]) => source)
    .join('\n\n');
}
