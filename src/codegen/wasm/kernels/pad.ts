import { normalizeAxis } from '../../../ir/ops/softmax.js';
import { emitBlockCopies, emitZero, outerCount, valueBytes } from './copy.js';
import type { WasmKernel } from './kernel.js';

/** Zero padding along one axis: zero the result, then copy each chunk of x to its place. */
export const padKernel: WasmKernel = {
  emit(ctx, node) {
    const x = node.inputs[0]!;
    const axis = normalizeAxis(Number(node.attrs.axis), x.type.shape.length);
    const inner = x.type.shape.slice(axis + 1).reduce<number>((p, d) => p * d!, 4);
    const chunk = inner * (x.type.shape[axis] as number);
    return ctx.m.block(null, [
      emitZero(ctx, () => ctx.addr(node), () => valueBytes(ctx, node)),
      emitBlockCopies(
        ctx,
        () => outerCount(ctx, node, axis),
        chunk,
        { base: () => ctx.addr(x), stride: chunk, offset: 0 },
        { base: () => ctx.addr(node), stride: inner * (node.type.shape[axis] as number), offset: inner * (node.attrs.before as number) },
      ),
    ]);
  },
};
