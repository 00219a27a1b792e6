import binaryen from 'binaryen';
import { reducedAxes } from '../../../ir/ops/reduce_sum.js';
import { emitReduce, loadF64, storeF64 } from '../reduce.js';
import type { WasmKernel } from './kernel.js';

/**
 * g broadcast back over the reduced axes of ref: each line of the result (ref's shape) is filled
 * with g's element at the line's index, times 1 / count for a mean (the interpreter's scale).
 */
export const unreduceKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const [g, ref] = node.inputs as [typeof node, typeof node];
    const value = ctx.local(binaryen.f64);
    const dst = () => ctx.addr(node);
    return emitReduce(ctx, ref.type.shape, reducedAxes(node.attrs, ref.type.shape.length), (line) => {
      const gv = loadF64(ctx, () => ctx.addr(g), () => m.i32.mul(line.index(), ctx.i32(4)));
      const scaled = node.attrs.mean === true ? m.f64.mul(gv, m.f64.div(m.f64.const(1), m.f64.convert_u.i32(line.count()))) : gv;
      return [
        m.local.set(value, scaled),
        line.each((at) => [storeF64(ctx, () => m.i32.add(dst(), line.start()), at, m.local.get(value, binaryen.f64))]),
      ];
    });
  },
};
