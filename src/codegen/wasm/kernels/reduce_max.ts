import binaryen from 'binaryen';
import { reducedAxes } from '../../../ir/ops/reduce_sum.js';
import { emitReduce, pointer } from '../reduce.js';
import type { WasmKernel } from './kernel.js';

/** The largest entry of each line. */
export const reduceMaxKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const x = node.inputs[0]!;
    const best = ctx.local(binaryen.f32);
    const get = () => m.local.get(best, binaryen.f32);
    return emitReduce(ctx, x.type.shape, reducedAxes(node.attrs, x.type.shape.length), (line) => {
      const xp = pointer(ctx, m.i32.add(ctx.addr(x), line.start()));
      return [
        xp.set,
        m.local.set(best, m.f32.const(-Infinity)),
        line.each((at) => [m.local.set(best, m.f32.max(get(), m.f32.load(0, 4, m.i32.add(xp.get(), at()))))]),
        m.f32.store(0, 4, m.i32.add(ctx.addr(node), m.i32.mul(line.index(), ctx.i32(4))), get()),
      ];
    });
  },
};
