/**
 * Runs of same-sized elementwise nodes as one WebAssembly SIMD loop (f32x4, then a scalar tail):
 * each node's value is computed into a local, stored, and read by later nodes of the run from
 * the local. Adam's three updates of a weight become one pass over memory. Only expressions of
 * ops with native WebAssembly instructions qualify (exp, log, tanh, erf stay in JavaScript,
 * where they only ever meet small activations), and operands must be full-size or scalars.
 */
import type { ScalarExpr, ScalarFn } from '../../ir/scalar-expr.js';

const NATIVE = new Set<ScalarFn>(['add', 'sub', 'mul', 'div', 'max', 'min', 'neg', 'abs', 'sqrt', 'select']);

export function isNativeExpr(e: ScalarExpr): boolean {
  return e.kind !== 'call' || (NATIVE.has(e.fn) && e.args.every(isNativeExpr));
}

/** An operand: a full-size array at a float offset, a scalar at a float offset, or an earlier member. */
export type GroupOperand = { kind: 'full'; offset: number } | { kind: 'scalar'; offset: number } | { kind: 'member'; index: number };

export interface GroupMember {
  readonly expr: ScalarExpr;
  readonly operands: readonly GroupOperand[];
  /** Float offset of the result. */
  readonly out: number;
}

const floatText = (v: number) => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v));

function exprText(e: ScalarExpr, operand: (k: number) => string, constant: (v: number) => string, simd: boolean): string {
  const t = simd ? 'f32x4' : 'f32';
  const rec = (x: ScalarExpr) => exprText(x, operand, constant, simd);
  switch (e.kind) {
    case 'arg':
      return operand(e.index);
    case 'const':
      return simd ? constant(e.value) : `(f32.const ${floatText(e.value)})`;
    case 'call': {
      const [a, b, c] = e.args as [ScalarExpr, ScalarExpr, ScalarExpr];
      switch (e.fn) {
        case 'select':
          return simd
            ? `(v128.bitselect ${rec(b)} ${rec(c)} (f32x4.gt ${rec(a)} (v128.const i32x4 0 0 0 0)))`
            : `(select ${rec(b)} ${rec(c)} (f32.gt ${rec(a)} (f32.const 0)))`;
        case 'neg':
        case 'abs':
        case 'sqrt':
          return `(${t}.${e.fn} ${rec(a)})`;
        default:
          return `(${t}.${e.fn} ${rec(a)} ${rec(b)})`;
      }
    }
  }
}

function constantsOf(e: ScalarExpr, out: Set<number>): Set<number> {
  if (e.kind === 'const') out.add(e.value);
  if (e.kind === 'call') for (const a of e.args) constantsOf(a, out);
  return out;
}

/**
 * `(func $name)` computing every member for n elements. Invariants are hoisted out of the loop
 * (scalar operands and constants splatted once), and each full operand is loaded once per
 * iteration, before any member stores (an in-place update only ever reads its own input).
 */
export function elementwiseGroupText(name: string, members: readonly GroupMember[], n: number): string {
  const locals: string[] = ['(local $i i32)'];
  const scalarLoads: string[] = [];
  const constants = [...members.reduce((set, m) => constantsOf(m.expr, set), new Set<number>())];
  constants.forEach((v, k) => {
    locals.push(`(local $c${k} v128)`);
    scalarLoads.push(`(local.set $c${k} (f32x4.splat (f32.const ${floatText(v)})))`);
  });
  const constant = (v: number) => `(local.get $c${constants.indexOf(v)})`;
  const fullOffsets = [...new Set(members.flatMap((m) => m.operands.flatMap((o) => (o.kind === 'full' ? [o.offset] : []))))];
  fullOffsets.forEach((_, k) => locals.push(`(local $lv${k} v128) (local $lf${k} f32)`));
  const loads = (simd: boolean) =>
    fullOffsets.map((off, k) => `(local.set $l${simd ? 'v' : 'f'}${k} (${simd ? 'v128' : 'f32'}.load offset=${off * 4} (local.get $i)))`).join(' ');
  const scalarLocal = new Map<number, number>();
  members.forEach((m) =>
    m.operands.forEach((o) => {
      if (o.kind === 'scalar' && !scalarLocal.has(o.offset)) {
        const k = scalarLocal.size;
        scalarLocal.set(o.offset, k);
        locals.push(`(local $sv${k} v128) (local $ss${k} f32)`);
        scalarLoads.push(`(local.set $ss${k} (f32.load (i32.const ${o.offset * 4})))`, `(local.set $sv${k} (f32x4.splat (local.get $ss${k})))`);
      }
    }),
  );
  members.forEach((_, j) => locals.push(`(local $v${j} v128) (local $f${j} f32)`));
  const body = (simd: boolean) =>
    members
      .map((m, j) => {
        const operand = (k: number) => {
          const o = m.operands[k]!;
          if (o.kind === 'member') return `(local.get $${simd ? 'v' : 'f'}${o.index})`;
          if (o.kind === 'scalar') return `(local.get $${simd ? 'sv' : 'ss'}${scalarLocal.get(o.offset)})`;
          return `(local.get $l${simd ? 'v' : 'f'}${fullOffsets.indexOf(o.offset)})`;
        };
        const v = `$${simd ? 'v' : 'f'}${j}`;
        return `(local.set ${v} ${exprText(m.expr, operand, constant, simd)}) (${simd ? 'v128' : 'f32'}.store offset=${m.out * 4} (local.get $i) (local.get ${v}))`;
      })
      .join(' ');
  const vecEnd = Math.floor(n / 4) * 16;
  return `(func $${name} (export "${name}") ${locals.join(' ')}
    ${scalarLoads.join(' ')}
    (local.set $i (i32.const 0))
    (block $vdone (loop $vloop (br_if $vdone (i32.ge_u (local.get $i) (i32.const ${vecEnd}))) ${loads(true)} ${body(true)} (local.set $i (i32.add (local.get $i) (i32.const 16))) (br $vloop)))
    (block $sdone (loop $sloop (br_if $sdone (i32.ge_u (local.get $i) (i32.const ${n * 4}))) ${loads(false)} ${body(false)} (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $sloop))))`;
}
