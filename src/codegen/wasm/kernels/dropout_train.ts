import binaryen from 'binaryen';
import type { KernelContext } from '../context.js';
import type { Node } from '../../../ir/graph.js';
import { forLoop } from '../context.js';
import { demoteHalves, promoteHalves } from '../f64-lanes.js';
import { loadF64, storeF64 } from '../reduce.js';
import { valueBytes } from './copy.js';
import type { WasmKernel } from './kernel.js';

type Expr = binaryen.ExpressionRef;

/** The seed operand as JavaScript's `seed | 0` (ToInt32: truncate, wrap modulo 2^32; NaN -> 0). */
function toInt32(ctx: KernelContext, seed: Expr, tmp: number): Expr {
  const { m } = ctx;
  const get = () => m.local.get(tmp, binaryen.f64);
  // Every f32 at least 2^63 in magnitude is a multiple of 2^32, so it wraps to 0 like NaN.
  return m.block(
    null,
    [m.local.set(tmp, seed), m.if(m.f64.lt(m.f64.abs(get()), m.f64.const(2 ** 63)), m.i32.wrap(m.i64.trunc_s.f64(get())), ctx.i32(0))],
    binaryen.i32,
  );
}

/** i32 or i32x4 instructions: the hash is the same in one lane or four. */
interface IntOps {
  readonly type: binaryen.Type;
  add(a: Expr, b: Expr): Expr;
  mul(a: Expr, b: Expr): Expr;
  xor(a: Expr, b: Expr): Expr;
  shr_u(a: Expr, bits: number): Expr;
  constant(v: number): Expr;
}

const scalarInts = (ctx: KernelContext): IntOps => ({
  type: binaryen.i32,
  add: (a, b) => ctx.m.i32.add(a, b),
  mul: (a, b) => ctx.m.i32.mul(a, b),
  xor: (a, b) => ctx.m.i32.xor(a, b),
  shr_u: (a, bits) => ctx.m.i32.shr_u(a, ctx.i32(bits)),
  constant: (v) => ctx.i32(v | 0),
});

const vectorInts = (ctx: KernelContext): IntOps => ({
  type: binaryen.v128,
  add: (a, b) => ctx.m.i32x4.add(a, b),
  mul: (a, b) => ctx.m.i32x4.mul(a, b),
  xor: (a, b) => ctx.m.v128.xor(a, b),
  shr_u: (a, bits) => ctx.m.i32x4.shr_u(a, ctx.i32(bits)),
  constant: (v) => ctx.m.i32x4.splat(ctx.i32(v | 0)),
});

const SEED_FACTOR = 0x9e3779b1;
const INDEX_FACTOR = 0x85ebca6b;

/** dropoutKeep's integer hash (src/ir/ops/dropout_train.ts) from its start, seed · SEED_FACTOR + index · INDEX_FACTOR, in i32 (or i32x4) instructions. */
function hashFrom(ctx: KernelContext, ops: IntOps, start: Expr, z: number): Expr {
  const { m } = ctx;
  const get = () => m.local.get(z, ops.type);
  const mix = (shift: number, factor: number) => m.local.set(z, ops.mul(ops.xor(get(), ops.shr_u(get(), shift)), ops.constant(factor)));
  return m.block(null, [m.local.set(z, start), mix(16, 0x7feb352d), mix(15, 0x846ca68b), ops.xor(get(), ops.shr_u(get(), 16))], ops.type);
}

/**
 * Four elements at a time: keep where hash ≥ ⌈rate · 2^32⌉ (unsigned; the same test as
 * hash / 2^32 ≥ rate, both exact), the kept x divided by 1 − rate as the scalar form does. The
 * hash's start moves by 4 · INDEX_FACTOR a step (the same wrapping sums). It leaves `next` at the
 * first element it did not reach (fewer than four remain).
 */
function emitVectorPart(ctx: KernelContext, x: Node, out: Node, rate: number, seed: number, count: () => Expr, next: number): Expr {
  const { m } = ctx;
  const { i32, v128 } = binaryen;
  const [i, z, value, start] = [next, ctx.local(v128), ctx.local(v128), ctx.local(v128)];
  const ints = vectorInts(ctx);
  const threshold = Math.ceil(rate * 2 ** 32);
  const lanes = m.v128.const([0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]);
  const h = hashFrom(ctx, ints, m.local.get(start, v128), z);
  // A threshold of 2^32 keeps nothing (no rate below 1 as f32 gets there, but say so).
  const keep = threshold >= 2 ** 32 ? m.v128.const(new Array<number>(16).fill(0)) : m.i32x4.ge_u(h, m.i32x4.splat(ctx.i32(threshold | 0)));
  const at = (base: Node) => m.i32.add(ctx.addr(base), m.i32.mul(m.local.get(i, i32), ctx.i32(4)));
  return m.block(null, [
    m.local.set(start, ints.add(ints.mul(m.i32x4.splat(m.local.get(seed, i32)), ints.constant(SEED_FACTOR)), ints.mul(lanes, ints.constant(INDEX_FACTOR)))),
    forLoop(ctx, i, ctx.i32(0), count, 4, [
      m.local.set(value, scaled(ctx, () => m.v128.load(0, 4, at(x)), rate)),
      m.v128.store(0, 4, at(out), m.v128.and(m.local.get(value, v128), keep)),
      m.local.set(start, ints.add(m.local.get(start, v128), ints.constant(4 * INDEX_FACTOR))),
    ]),
  ]);
}

/**
 * Four lanes of x divided by 1 − rate, rounded to f32 as the scalar form's f64 quotient is.
 * When 1 − rate is a float itself, an f32 division gives the same: rounding f64's correctly
 * rounded quotient to f32 is the correctly rounded f32 quotient (53 ≥ 2 · 24 + 2 bits), and f32x4
 * takes one division for four lanes where f64x2 takes two for them.
 */
function scaled(ctx: KernelContext, x: () => Expr, rate: number): Expr {
  const { m } = ctx;
  const keep = 1 - rate;
  if (Math.fround(keep) === keep) return m.f32x4.div(x(), m.f32x4.splat(m.f32.const(keep)));
  const [low, high] = promoteHalves(m, x).map((half) => m.f64x2.div(half, m.f64x2.splat(m.f64.const(keep))));
  return demoteHalves(m, low!, high!);
}

/**
 * x / (1 - rate) where hash(seed, i) / 2^32 >= rate, else 0; i is the element's index in the
 * whole batch (the op is not row-local, so one call sees every row).
 */
export const dropoutTrainKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const [x, seedNode] = node.inputs as [typeof node, typeof node];
    const rate = Number(node.attrs.rate);
    const seed = ctx.local(binaryen.i32);
    const [tmp, z] = [ctx.local(binaryen.f64), ctx.local(binaryen.i32)];
    const seedValue = loadF64(ctx, () => ctx.addr(seedNode), () => ctx.i32(0));
    const count = () => m.i32.div_u(valueBytes(ctx, node), ctx.i32(4));
    const i = ctx.local(binaryen.i32);
    const element = () => m.local.get(i, binaryen.i32);
    const bytes = () => m.i32.mul(element(), ctx.i32(4));
    // Element by element from `i` (0 without SIMD; after the vectors with it); its index is the element's flat index.
    const ints = scalarInts(ctx);
    const start = ints.add(ints.mul(m.local.get(seed, binaryen.i32), ints.constant(SEED_FACTOR)), ints.mul(element(), ints.constant(INDEX_FACTOR)));
    const keep = m.f64.ge(m.f64.div(m.f64.convert_u.i32(hashFrom(ctx, ints, start, z)), m.f64.const(2 ** 32)), m.f64.const(rate));
    const value = m.select(keep, m.f64.div(loadF64(ctx, () => ctx.addr(x), bytes), m.f64.const(1 - rate)), m.f64.const(0));
    return m.block(null, [
      m.local.set(seed, toInt32(ctx, seedValue, tmp)),
      ctx.simd ? emitVectorPart(ctx, x, node, rate, seed, count, i) : m.local.set(i, ctx.i32(0)),
      forLoop(ctx, i, element(), count, 1, [storeF64(ctx, () => ctx.addr(node), bytes, value)]),
    ]);
  },
};
