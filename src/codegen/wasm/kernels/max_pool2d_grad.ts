import binaryen from 'binaryen';
import { poolGeometry } from '../../../ir/ops/pool-helpers.js';
import { emitZero, valueBytes } from './copy.js';
import type { WasmKernel } from './kernel.js';
import { emitPoolWindows } from './pool-windows.js';

/**
 * Zero dx, then add each dy to the first maximum of its window in x. One channel at a time: the
 * winning cell differs per channel, and this runs once per training step, not per prediction.
 */
export const maxPool2dGradKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const [x, dy] = [node.inputs[0]!, node.inputs[1]!];
    return m.block(null, [
      emitZero(ctx, () => ctx.addr(node), () => valueBytes(ctx, node)),
      emitPoolWindows(ctx, poolGeometry(x.type, node.attrs), false, ({ out, cells }) => {
        const [best, bestAt] = [ctx.local(binaryen.f32), ctx.local(binaryen.i32)];
        const bestValue = () => m.local.get(best, binaryen.f32);
        const winner = () => m.local.get(bestAt, binaryen.i32);
        const dx = () => m.i32.add(ctx.addr(node), winner());
        return [
          m.local.set(bestAt, ctx.i32(-1)),
          cells((at) => {
            const v = () => m.f32.load(0, 4, m.i32.add(ctx.addr(x), at()));
            // Strictly greater: ties keep the first cell; the first cell always wins the empty slot.
            const wins = m.i32.or(m.i32.lt_s(winner(), ctx.i32(0)), m.f32.gt(v(), bestValue()));
            return [m.if(wins, m.block(null, [m.local.set(best, v()), m.local.set(bestAt, at())]))];
          }),
          m.f32.store(0, 4, dx(), m.f32.add(m.f32.load(0, 4, dx()), m.f32.load(0, 4, m.i32.add(ctx.addr(dy), out())))),
        ];
      }),
    ]);
  },
};
