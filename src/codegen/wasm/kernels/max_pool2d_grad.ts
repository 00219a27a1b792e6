import binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import { poolGeometry } from '../../../ir/ops/pool-helpers.js';
import type { KernelContext } from '../context.js';
import { emitZero, valueBytes } from './copy.js';
import type { WasmKernel } from './kernel.js';
import { emitPoolWindows, type WindowBlock } from './pool-windows.js';

type Expr = binaryen.ExpressionRef;

/**
 * Zero dx, then add each dy to the first maximum of its window in x: the first cell wins the
 * empty slot, a later one only by being strictly greater (so ties keep the first, and a NaN wins
 * only as the first cell). Four channels at a time with SIMD: each lane keeps its own winner (the
 * cell's byte offset, as i32x4), then a second walk over the cells adds dy to the lanes a cell won.
 */
export const maxPool2dGradKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const x = node.inputs[0]!;
    return m.block(null, [
      emitZero(ctx, () => ctx.addr(node), () => valueBytes(ctx, node)),
      emitPoolWindows(ctx, poolGeometry(x.type, node.attrs), true, (w) => (w.lanes.width === 4 ? vectorWindow(ctx, node, w) : scalarWindow(ctx, node, w))),
    ]);
  },
};

function scalarWindow(ctx: KernelContext, node: Node, { out, cells }: WindowBlock): Expr[] {
  const { m } = ctx;
  const [x, dy] = [node.inputs[0]!, node.inputs[1]!];
  const [best, bestAt] = [ctx.local(binaryen.f32), ctx.local(binaryen.i32)];
  const bestValue = () => m.local.get(best, binaryen.f32);
  const winner = () => m.local.get(bestAt, binaryen.i32);
  const dx = () => m.i32.add(ctx.addr(node), winner());
  return [
    m.local.set(bestAt, ctx.i32(-1)),
    cells((at) => {
      const v = () => m.f32.load(0, 4, m.i32.add(ctx.addr(x), at()));
      const wins = m.i32.or(m.i32.lt_s(winner(), ctx.i32(0)), m.f32.gt(v(), bestValue()));
      return [m.if(wins, m.block(null, [m.local.set(best, v()), m.local.set(bestAt, at())]))];
    }),
    m.f32.store(0, 4, dx(), m.f32.add(m.f32.load(0, 4, dx()), m.f32.load(0, 4, m.i32.add(ctx.addr(dy), out())))),
  ];
}

function vectorWindow(ctx: KernelContext, node: Node, { out, cells }: WindowBlock): Expr[] {
  const { m } = ctx;
  const { v128 } = binaryen;
  const [x, dy] = [node.inputs[0]!, node.inputs[1]!];
  const [best, bestAt, grad] = [ctx.local(v128), ctx.local(v128), ctx.local(v128)];
  const get = (l: number) => m.local.get(l, v128);
  return [
    m.local.set(bestAt, m.i32x4.splat(ctx.i32(-1))),
    m.local.set(best, m.f32x4.splat(m.f32.const(0))),
    cells((at) => {
      const v = () => m.v128.load(0, 4, m.i32.add(ctx.addr(x), at()));
      const wins = () => m.v128.or(m.i32x4.lt_s(get(bestAt), m.i32x4.splat(ctx.i32(0))), m.f32x4.gt(v(), get(best)));
      const mask = ctx.local(v128);
      return [
        m.local.set(mask, wins()),
        m.local.set(best, m.v128.bitselect(v(), get(best), get(mask))),
        m.local.set(bestAt, m.v128.bitselect(m.i32x4.splat(at()), get(bestAt), get(mask))),
      ];
    }),
    m.local.set(grad, m.v128.load(0, 4, m.i32.add(ctx.addr(dy), out()))),
    cells((at) => {
      const dx = () => m.i32.add(ctx.addr(node), at());
      const won = m.i32x4.eq(get(bestAt), m.i32x4.splat(at()));
      return [m.v128.store(0, 4, dx(), m.f32x4.add(m.v128.load(0, 4, dx()), m.v128.and(get(grad), won)))];
    }),
  ];
}
