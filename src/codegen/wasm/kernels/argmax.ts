import binaryen from 'binaryen';
import { normalizeAxis } from '../../../ir/ops/softmax.js';
import { emitReduce, pointer } from '../reduce.js';
import type { WasmKernel } from './kernel.js';

/** Index of the largest entry of each line, the first on ties (a strict > scan from entry 0; >= for the last), as f32. */
export const argmaxKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const x = node.inputs[0]!;
    const [best, bestValue] = [ctx.local(binaryen.i32), ctx.local(binaryen.f32)];
    const value = () => m.local.get(bestValue, binaryen.f32);
    const axis = normalizeAxis(node.attrs.axis as number, x.type.shape.length);
    return emitReduce(ctx, x.type.shape, [axis], (line) => {
      const xp = pointer(ctx, m.i32.add(ctx.addr(x), line.start()));
      const load = (at: () => binaryen.ExpressionRef) => m.f32.load(0, 4, m.i32.add(xp.get(), at()));
      return [
        xp.set,
        m.local.set(best, ctx.i32(0)),
        m.local.set(bestValue, load(() => ctx.i32(0))),
        line.each((at, j) => [m.if(node.attrs.last ? m.f32.ge(load(at), value()) : m.f32.gt(load(at), value()), m.block(null, [m.local.set(best, j()), m.local.set(bestValue, load(at))]))]),
        m.f32.store(0, 4, m.i32.add(ctx.addr(node), m.i32.mul(line.index(), ctx.i32(4))), m.f32.convert_u.i32(m.local.get(best, binaryen.i32))),
      ];
    });
  },
};
