import binaryen from 'binaryen';
import { normalizeAxis } from '../../../ir/ops/softmax.js';
import { forLoop } from '../context.js';
import { emitCopy } from './copy.js';
import type { WasmKernel } from './kernel.js';

/**
 * Concatenation along `axis`: for every index of the axes before it (batch rows included), each
 * operand contributes one contiguous chunk, copied in operand order.
 */
export const concatKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const shape = node.type.shape;
    const axis = normalizeAxis(node.attrs.axis as number, shape.length);
    const chunkBytes = (s: readonly (number | null)[]) => s.slice(axis).reduce<number>((p, d) => p * d!, 4);
    const outerStatic = shape.slice(0, axis).reduce<number>((p, d) => p * (d ?? 1), 1);
    const batched = shape.slice(0, axis).includes(null);
    const [o, dst] = [ctx.local(binaryen.i32), ctx.local(binaryen.i32)];
    const srcs = node.inputs.map(() => ctx.local(binaryen.i32));
    const get = (l: number) => () => m.local.get(l, binaryen.i32);
    const advance = (l: number, by: number) => m.local.set(l, m.i32.add(m.local.get(l, binaryen.i32), ctx.i32(by)));
    const body = node.inputs.flatMap((x, k) => {
      const bytes = chunkBytes(x.type.shape);
      return [emitCopy(ctx, get(dst), get(srcs[k]!), () => ctx.i32(bytes)), advance(srcs[k]!, bytes), advance(dst, bytes)];
    });
    return m.block(null, [
      m.local.set(dst, ctx.addr(node)),
      ...node.inputs.map((x, k) => m.local.set(srcs[k]!, ctx.addr(x))),
      forLoop(ctx, o, ctx.i32(0), () => (batched ? m.i32.mul(ctx.rows(), ctx.i32(outerStatic)) : ctx.i32(outerStatic)), 1, body),
    ]);
  },
};
