/**
 * A tiny scalar expression language. Elementwise ops declare their math once as an expression
 * tree; the reference interpreter evaluates it, the fuse pass composes trees, and each backend
 * translates the same tree into WebAssembly or WGSL. One definition, no drift between backends.
 */
import { hasOwnKey } from '../own-keys.js';
import type { DType } from './types.js';

export type ScalarFn =
  | 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min'
  | 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'tanh' | 'erf'
  /** Rounding down / up (f32); sign gives -1, 0 or 1 (f32 or i32; NaN stays NaN). */
  | 'floor' | 'ceil' | 'sign'
  /** pow(a, b) as C's pow on f32 (a negative base with a non-integer exponent is NaN). */
  | 'pow'
  /** select(c, a, b) = c > 0 ? a : b */
  | 'select'
  /** where(c, a, b) = c ? a : b for a bool c and a, b of any one dtype (ONNX Where). */
  | 'where'
  /** Comparisons of two f32 or two i32 values: a bool (1 or 0). */
  | 'eq' | 'lt' | 'gt' | 'le' | 'ge'
  /**
   * Conversions with ONNX Cast semantics: to_i32 truncates toward zero (saturating; NaN -> 0),
   * to_bool is `x != 0`, bool -> number is 1 / 0.
   */
  | 'to_f32' | 'to_i32' | 'to_bool';

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
export const floor = (a: ScalarExpr) => call('floor', a);
export const ceil = (a: ScalarExpr) => call('ceil', a);
export const sign = (a: ScalarExpr) => call('sign', a);
export const pow = (a: ScalarExpr, b: ScalarExpr) => call('pow', a, b);
export const select = (c: ScalarExpr, a: ScalarExpr, b: ScalarExpr) => call('select', c, a, b);
export const where = (c: ScalarExpr, a: ScalarExpr, b: ScalarExpr) => call('where', c, a, b);
export const eq = (a: ScalarExpr, b: ScalarExpr) => call('eq', a, b);
export const lt = (a: ScalarExpr, b: ScalarExpr) => call('lt', a, b);
export const gt = (a: ScalarExpr, b: ScalarExpr) => call('gt', a, b);
export const le = (a: ScalarExpr, b: ScalarExpr) => call('le', a, b);
export const ge = (a: ScalarExpr, b: ScalarExpr) => call('ge', a, b);
export const castTo = (to: DType, a: ScalarExpr) => call(`to_${to}`, a);

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
  floor: (a) => Math.floor(a!),
  ceil: (a) => Math.ceil(a!),
  sign: (a) => Math.sign(a!),
  pow: (a, b) => powC(a!, b!),
  select: (c, a, b) => (c! > 0 ? a! : b!),
  where: (c, a, b) => (c ? a! : b!),
  eq: (a, b) => (a === b ? 1 : 0),
  lt: (a, b) => (a! < b! ? 1 : 0),
  gt: (a, b) => (a! > b! ? 1 : 0),
  le: (a, b) => (a! <= b! ? 1 : 0),
  ge: (a, b) => (a! >= b! ? 1 : 0),
  to_f32: (a) => Math.fround(a!),
  to_i32: (a) => truncToI32(a!),
  to_bool: (a) => (a !== 0 ? 1 : 0),
};

/** C's pow, which ONNX's Pow follows: pow(1, y) and pow(x, 0) are 1 even for NaN (JavaScript's are NaN). */
export function powC(a: number, b: number): number {
  return b === 0 || a === 1 ? 1 : Math.pow(a, b);
}

/** f32 -> i32 as every backend does it: toward zero, saturating at the i32 range, NaN -> 0. */
export function truncToI32(x: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.max(-2147483648, Math.min(2147483647, Math.trunc(x)));
}

/**
 * i32 arithmetic: add, sub, mul, neg and abs wrap to 32 bits (two's complement); div truncates
 * toward zero as ONNX and C do. Division by zero gives 0 (wasm would trap, WGSL gives the
 * dividend: every backend guards it to 0), and -2^31 / -1 wraps to -2^31.
 */
const I32_IMPL: Partial<Record<ScalarFn, (...a: number[]) => number>> = {
  add: (a, b) => (a! + b!) | 0,
  sub: (a, b) => (a! - b!) | 0,
  mul: (a, b) => Math.imul(a!, b!),
  div: (a, b) => (b === 0 ? 0 : Math.trunc(a! / b!) | 0),
  max: (a, b) => Math.max(a!, b!),
  min: (a, b) => Math.min(a!, b!),
  neg: (a) => -a! | 0,
  abs: (a) => Math.abs(a!) | 0,
  sign: (a) => Math.sign(a!),
};

/** Functions that take numbers of one dtype and give that dtype, per dtype. */
const ARITHMETIC = new Set<ScalarFn>(['add', 'sub', 'mul', 'div', 'max', 'min', 'neg', 'abs', 'sign']);
const COMPARISON = new Set<ScalarFn>(['eq', 'lt', 'gt', 'le', 'ge']);

/** The arguments whose dtype is a call's operand dtype: where's condition is a bool apart from its branches. */
const typedArgs = (fn: ScalarFn, args: readonly ScalarExpr[]) => (fn === 'where' ? args.slice(1) : args);

/**
 * The dtype of an expression whose operand i has dtype argDtypes[i]; throws an Error naming the
 * function and dtypes it refuses. Literals take the dtype of the operands next to them (f32
 * where none is). Arithmetic keeps its operands' dtype (f32 or i32, one for all), comparisons
 * give bool, `to_*` converts, and everything else (exp, tanh, select, ...) is f32 only.
 */
export function scalarDtype(e: ScalarExpr, argDtypes: readonly DType[]): DType {
  return typeOf(e, argDtypes) ?? 'f32';
}

function typeOf(e: ScalarExpr, argDtypes: readonly DType[]): DType | null {
  if (e.kind === 'arg') return argDtypes[e.index] ?? 'f32';
  if (e.kind === 'const') return null;
  const ts = e.args.map((a) => typeOf(a, argDtypes));
  if (e.fn.startsWith('to_')) return e.fn.slice(3) as DType;
  if (e.fn === 'where') {
    if (ts[0] !== null && ts[0] !== 'bool') throw new Error(`where takes a bool condition, got ${ts[0]}`);
    ts.shift();
    const [a, b] = ts;
    if (a && b && a !== b) throw new Error(`where of ${a} and ${b}: the branches must share one dtype`);
    return a ?? b ?? null;
  }
  const known = ts.filter((t): t is DType => t !== null);
  const t = known[0] ?? null;
  if (known.some((k) => k !== t)) throw new Error(`${e.fn} of ${known.join(' and ')}: operands must share one dtype`);
  if (COMPARISON.has(e.fn)) {
    if (t === 'bool') throw new Error(`${e.fn} takes f32 or i32, got bool`);
    return 'bool';
  }
  if (ARITHMETIC.has(e.fn)) {
    if (t === 'bool') throw new Error(`${e.fn} takes f32 or i32, got bool`);
    return t;
  }
  if (t !== null && t !== 'f32') throw new Error(`${e.fn} takes f32, got ${t}`);
  return t;
}

/** What a renderer learns about one call besides its rendered operands. */
export interface ScalarCall {
  /** The operand expressions (a renderer may look at a literal's value). */
  readonly exprs: readonly ScalarExpr[];
  /**
   * The dtype the operands share (a `to_*` conversion's source dtype); literals are rendered in
   * it. f32 where no operand is typed (all literals).
   */
  readonly operandDtype: DType;
  /** The dtype of the call's value. */
  readonly dtype: DType;
}

/**
 * One target's translation of scalar expressions (interpreter closures, Binaryen expressions,
 * WGSL text, ONNX nodes): `renderScalar` walks the tree once and asks the renderer for each leaf
 * and call, children first, in argument order.
 */
export interface ScalarRenderer<T> {
  arg(index: number, dtype: DType): T;
  constant(value: number, dtype: DType): T;
  call(fn: ScalarFn, args: readonly T[], info: ScalarCall): T;
  /**
   * Targets that can name a value (a local) give this: a call that occurs more than once in the
   * expression (a gradient's tanh(x)·tanh(x)) is rendered once, its first occurrence as `first`
   * (which must also store it) and every later one as `again()`. Renderers evaluate in the order
   * renderScalar asks, so the first occurrence runs before the others.
   */
  bind?(value: T, dtype: DType): { first: T; again(): T };
}

/** The calls that occur more than once in `e`, by their printed form. */
function repeatedCalls(e: ScalarExpr): Set<string> {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  const visit = (x: ScalarExpr): void => {
    if (x.kind !== 'call') return;
    const key = printScalar(x);
    if (seen.has(key)) repeated.add(key);
    else {
      seen.add(key);
      x.args.forEach(visit);
    }
  };
  visit(e);
  return repeated;
}

/**
 * Renders `e` for operands of dtypes `argDtypes` (f32 where absent). Dtypes follow scalarDtype's
 * rules without its checks (scalarDtype is where an expression is validated).
 */
export function renderScalar<T>(e: ScalarExpr, r: ScalarRenderer<T>, argDtypes: readonly DType[] = []): T {
  let types: Map<ScalarExpr, DType | null> | undefined; // made on the first call (evalScalar runs per element)
  const typeOfNode = (x: ScalarExpr): DType | null => {
    if (x.kind === 'arg') return argDtypes[x.index] ?? 'f32';
    if (x.kind === 'const') return null;
    types ??= new Map();
    let t = types.get(x);
    if (t === undefined) {
      t = resultDtype(x.fn, typedArgs(x.fn, x.args).map(typeOfNode).find((d) => d !== null) ?? null);
      types.set(x, t);
    }
    return t;
  };
  const repeated = r.bind ? repeatedCalls(e) : undefined;
  const bound = new Map<string, () => T>();
  const go = (x: ScalarExpr, literal: DType): T => {
    if (x.kind === 'arg') return r.arg(x.index, argDtypes[x.index] ?? 'f32');
    if (x.kind === 'const') return r.constant(x.value, literal);
    const key = repeated?.size ? printScalar(x) : undefined;
    const again = key === undefined ? undefined : bound.get(key);
    if (again) return again();
    const operandDtype = typedArgs(x.fn, x.args).map(typeOfNode).find((d) => d !== null) ?? 'f32';
    const args = x.args.map((a, i) => go(a, x.fn === 'where' && i === 0 ? 'bool' : operandDtype));
    const dtype = typeOfNode(x) ?? operandDtype;
    const value = r.call(x.fn, args, { exprs: x.args, operandDtype, dtype });
    if (key === undefined || !repeated!.has(key)) return value;
    const named = r.bind!(value, dtype);
    bound.set(key, named.again);
    return named.first;
  };
  return go(e, 'f32');
}

function resultDtype(fn: ScalarFn, operand: DType | null): DType | null {
  if (fn.startsWith('to_')) return fn.slice(3) as DType;
  if (COMPARISON.has(fn)) return 'bool';
  return operand;
}

type Compiled = (args: readonly number[]) => number;

/**
 * Compiles an expression for operands of the given dtypes into a function of the operand values
 * that computes it with each sub-expression's semantics (i32 arithmetic wraps and truncates, f32
 * arithmetic is rounded to float32 on storage by the caller, comparisons give 1 / 0).
 */
export function compileScalar(e: ScalarExpr, argDtypes: readonly DType[]): Compiled {
  return renderScalar<Compiled>(
    e,
    {
      arg: (index) => (args) => args[index]!,
      constant: (value) => () => value,
      call(fn, fs, { operandDtype }) {
        // bool -> i32 is the identity on 1 / 0; i32 arithmetic has its own wrapping rules.
        const fromInt = fn === 'to_i32' && operandDtype !== 'f32';
        const impl = fromInt ? (a: number) => a : operandDtype === 'i32' && I32_IMPL[fn] ? I32_IMPL[fn] : SCALAR_IMPL[fn];
        if (fs.length === 1) return (args) => impl(fs[0]!(args));
        if (fs.length === 2) return (args) => impl(fs[0]!(args), fs[1]!(args));
        return (args) => impl(...fs.map((f) => f(args)));
      },
    },
    argDtypes,
  );
}

/** Evaluates an all-f32 expression once. */
export function evalScalar(e: ScalarExpr, args: readonly number[]): number {
  return renderScalar<number>(e, {
    arg: (index) => args[index]!,
    constant: (value) => value,
    call: (fn, values) => SCALAR_IMPL[fn](...values),
  });
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

/** `e` with every occurrence of the sub-expression `part` replaced by `by`. */
export function replaceSubexpression(e: ScalarExpr, part: ScalarExpr, by: ScalarExpr): ScalarExpr {
  const target = printScalar(part);
  const go = (x: ScalarExpr): ScalarExpr => {
    if (x.kind !== 'call') return x;
    if (printScalar(x) === target) return by;
    return { kind: 'call', fn: x.fn, args: x.args.map(go) };
  };
  return go(e);
}

/**
 * Whether `e` is zero whenever its argument `index` is, whatever the other arguments (inf and NaN
 * included): a product with a factor that vanishes and another that is always finite, sums,
 * negations and choices of vanishing terms. A conservative proof: false where unsure.
 */
export function vanishesWith(e: ScalarExpr, index: number): boolean {
  switch (e.kind) {
    case 'arg':
      return e.index === index;
    case 'const':
      return e.value === 0;
    case 'call': {
      const [a, b, c] = e.args as [ScalarExpr, ScalarExpr, ScalarExpr];
      if (e.fn === 'mul') return (vanishesWith(a, index) && alwaysFinite(b)) || (vanishesWith(b, index) && alwaysFinite(a));
      if (e.fn === 'add' || e.fn === 'sub') return vanishesWith(a, index) && vanishesWith(b, index);
      if (e.fn === 'neg') return vanishesWith(a, index);
      if (e.fn === 'select' || e.fn === 'where') return vanishesWith(b, index) && vanishesWith(c, index);
      return false;
    }
  }
}

/** Whether `e` is finite for any arguments: constants, and choices between finite terms. */
function alwaysFinite(e: ScalarExpr): boolean {
  if (e.kind === 'const') return Number.isFinite(e.value);
  return e.kind === 'call' && (e.fn === 'select' || e.fn === 'where') && alwaysFinite(e.args[1]!) && alwaysFinite(e.args[2]!);
}

/** Functions that cost a polynomial or more per element, not one instruction. */
export const TRANSCENDENTAL: ReadonlySet<ScalarFn> = new Set<ScalarFn>(['exp', 'log', 'tanh', 'erf', 'pow']);

/** Whether `e` calls a transcendental function. */
export function isTranscendental(e: ScalarExpr): boolean {
  return e.kind === 'call' && (TRANSCENDENTAL.has(e.fn) || e.args.some(isTranscendental));
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
    // Function names such as to_f32 have digits and underscores after the first letter.
    const id = /^[a-z][a-z0-9_]*/.exec(text.slice(pos)) ?? fail('expected a function name');
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

/** The operand indices `e` reads. */
export function argsRead(e: ScalarExpr, into = new Set<number>()): Set<number> {
  if (e.kind === 'arg') into.add(e.index);
  else if (e.kind === 'call') for (const a of e.args) argsRead(a, into);
  return into;
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
