import binaryen from 'binaryen';
import type { KernelContext } from '../context.js';
import { emitReduce, loadF64, storeF64 } from '../reduce.js';
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

/** dropoutKeep's integer hash of (seed, index) (src/ir/ops/dropout_train.ts), in i32 instructions. */
function hash(ctx: KernelContext, seed: Expr, index: Expr, z: number): Expr {
  const { m } = ctx;
  const get = () => m.local.get(z, binaryen.i32);
  const mix = (shift: number, factor: number) => m.local.set(z, m.i32.mul(m.i32.xor(get(), m.i32.shr_u(get(), ctx.i32(shift))), ctx.i32(factor | 0)));
  return m.block(
    null,
    [
      m.local.set(z, m.i32.add(m.i32.mul(seed, ctx.i32(0x9e3779b1 | 0)), m.i32.mul(index, ctx.i32(0x85ebca6b | 0)))),
      mix(16, 0x7feb352d),
      mix(15, 0x846ca68b),
      m.i32.xor(get(), m.i32.shr_u(get(), ctx.i32(16))),
    ],
    binaryen.i32,
  );
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
    // No reduced axes: one line per element, whose index is the element's flat index.
    const body = emitReduce(ctx, x.type.shape, [], (line) => {
      const keep = m.f64.ge(m.f64.div(m.f64.convert_u.i32(hash(ctx, m.local.get(seed, binaryen.i32), line.index(), z)), m.f64.const(2 ** 32)), m.f64.const(rate));
      const value = m.select(keep, m.f64.div(loadF64(ctx, () => ctx.addr(x), line.start), m.f64.const(1 - rate)), m.f64.const(0));
      return [storeF64(ctx, () => ctx.addr(node), line.start, value)];
    });
    return m.block(null, [m.local.set(seed, toInt32(ctx, seedValue, tmp)), body]);
  },
};
