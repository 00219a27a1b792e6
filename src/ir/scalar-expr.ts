/**
 * A tiny scalar expression language. Elementwise ops declare their math once as an expression
 * tree; the reference interpreter evaluates it, the fuse pass composes trees, and each backend
 * translates the same tree into WebAssembly or WGSL. One definition, no drift between backends.
 */
import { hasOwnKey } from '../own-keys.js';

export type ScalarFn =
  | 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min'
  | 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'tanh' | 'erf'
  /** select(c, a, b) = c > 0 ? a : b */
  | 'select';

export type ScalarExpr =
  | { readonly kind: 'arg'; readonly index: number }
  | { readonly kind: 'const'; readonly value: number }
  | { readonly kind: 'call'; readonly fn: ScalarFn; readonly args: readonly ScalarExpr[] };

export const arg = (index: number): ScalarExpr => ({ kind: 'arg', index });
export const lit = (value: number): ScalarExpr => ({ kind: 'const', value });
const call = (fn: ScalarFn, ...args: ScalarExpr[]): ScalarExpr => ({ kind: 'call', fn, args });

export const add = (a: ScalarExpr, b: ScalarExpr) => call('add', a, b);
export const sub = (a: ScalarExpr, b: ScalarExpr) => call('sub', a, b);
export const mul = (a: ScalarExpr, b: ScalarExpr) => call('mul', a, b);
export const div = (a: ScalarExpr, b: ScalarExpr) => call('div', a, b);
export const max = (a: ScalarExpr, b: ScalarExpr) => call('max', a, b);
export const min = (a: ScalarExpr, b: ScalarExpr) => call('min', a, b);
export const neg = (a: ScalarExpr) => call('neg', a);
export const abs = (a: ScalarExpr) => call('abs', a);
export const exp = (a: ScalarExpr) => call('exp', a);
export const log = (a: ScalarExpr) => call('log', a);
export const sqrt = (a: ScalarExpr) => call('sqrt', a);
export const tanh = (a: ScalarExpr) => call('tanh', a);
export const erf = (a: ScalarExpr) => call('erf', a);
export const select = (c: ScalarExpr, a: ScalarExpr, b: ScalarExpr) => call('select', c, a, b);

/**
 * erf with the Abramowitz–Stegun 7.1.26 rational approximation (|error| < 1.5e-7), the same one
 * tfjs uses, so that gelu agrees with tfjs to float32 precision. Backends implement this formula.
 */
export const ERF_COEFFS = { p: 0.3275911, a1: 0.254829592, a2: -0.284496736, a3: 1.421413741, a4: -1.453152027, a5: 1.061405429 } as const;

export function erfApprox(x: number): number {
  const { p, a1, a2, a3, a4, a5 } = ERF_COEFFS;
  const sign = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + p * ax);
  return sign * (1 - ((((a5 * t + a4) * t + a3) * t + a2) * t + a1) * t * Math.exp(-ax * ax));
}

const SCALAR_IMPL: Record<ScalarFn, (...a: number[]) => number> = {
  add: (a, b) => a! + b!,
  sub: (a, b) => a! - b!,
  mul: (a, b) => a! * b!,
  div: (a, b) => a! / b!,
  max: (a, b) => Math.max(a!, b!),
  min: (a, b) => Math.min(a!, b!),
  neg: (a) => -a!,
  abs: (a) => Math.abs(a!),
  exp: (a) => Math.exp(a!),
  log: (a) => Math.log(a!),
  sqrt: (a) => Math.sqrt(a!),
  tanh: (a) => Math.tanh(a!),
  erf: (a) => erfApprox(a!),
  select: (c, a, b) => (c! > 0 ? a! : b!),
};

export function evalScalar(e: ScalarExpr, args: readonly number[]): number {
  switch (e.kind) {
    case 'arg':
      return args[e.index]!;
    case 'const':
      return e.value;
    case 'call':
      return SCALAR_IMPL[e.fn](...e.args.map((a) => evalScalar(a, args)));
  }
}

/** Replaces arg(i) with replacements[i]: composes a consumer's expression over its producers'. */
export function substitute(e: ScalarExpr, replacements: readonly ScalarExpr[]): ScalarExpr {
  switch (e.kind) {
    case 'arg':
      return replacements[e.index]!;
    case 'const':
      return e;
    case 'call':
      return { kind: 'call', fn: e.fn, args: e.args.map((a) => substitute(a, replacements)) };
  }
}

/** Compact text form used in IR attributes: `max($0,0)`, `add(mul($0,$1),1.5)`. */
export function printScalar(e: ScalarExpr): string {
  switch (e.kind) {
    case 'arg':
      return `$${e.index}`;
    case 'const':
      return Number.isInteger(e.value) ? String(e.value) : String(e.value);
    case 'call':
      return `${e.fn}(${e.args.map(printScalar).join(',')})`;
  }
}

export function parseScalar(text: string): ScalarExpr {
  let pos = 0;
  const fail = (msg: string): never => {
    throw new Error(`bad scalar expression '${text}' at ${pos}: ${msg}`);
  };
  const parse = (): ScalarExpr => {
    if (text[pos] === '$') {
      const m = /^\$(\d+)/.exec(text.slice(pos)) ?? fail('expected $N');
      pos += m[0].length;
      return arg(Number(m[1]));
    }
    const num = /^-?(\d+\.?\d*(e[-+]?\d+)?|\.\d+(e[-+]?\d+)?|Infinity)/i.exec(text.slice(pos));
    if (num) {
      pos += num[0].length;
      return lit(Number(num[0]));
    }
    const id = /^[a-z]+/.exec(text.slice(pos)) ?? fail('expected a function name');
    if (!hasOwnKey(SCALAR_IMPL, id[0])) fail(`unknown function ${id[0]}`);
    pos += id[0].length;
    if (text[pos++] !== '(') fail('expected (');
    const args: ScalarExpr[] = [parse()];
    while (text[pos] === ',') {
      pos++;
      args.push(parse());
    }
    if (text[pos++] !== ')') fail('expected )');
    return call(id[0] as ScalarFn, ...args);
  };
  const e = parse();
  if (pos !== text.length) fail('trailing text');
  return e;
}

/** Highest arg index used + 1. */
export function scalarArity(e: ScalarExpr): number {
  switch (e.kind) {
    case 'arg':
      return e.index + 1;
    case 'const':
      return 0;
    case 'call':
      return Math.max(0, ...e.args.map(scalarArity));
  }
}
