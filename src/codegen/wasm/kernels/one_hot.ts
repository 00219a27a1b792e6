import binaryen from 'binaryen';
import { emitReduce, loadF64, storeF64 } from '../reduce.js';
import type { WasmKernel } from './kernel.js';

/**
 * Each line (the last axis, `depth` long) is 1 where its index equals the label and 0 elsewhere:
 * a label that is not an integer in [0, depth) (or NaN) equals no index, an all-zero line.
 */
export const oneHotKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const labels = node.inputs[0]!;
    const shape = node.type.shape;
    const label = ctx.local(binaryen.f64);
    return emitReduce(ctx, shape, [shape.length - 1], (line) => [
      m.local.set(label, loadF64(ctx, () => ctx.addr(labels), () => m.i32.mul(line.index(), ctx.i32(4)))),
      line.each((at, j) => [
        storeF64(ctx, () => m.i32.add(ctx.addr(node), line.start()), at, m.f64.convert_u.i32(m.f64.eq(m.f64.convert_u.i32(j()), m.local.get(label, binaryen.f64)))),
      ]),
    ]);
  },
};
