import { normalizeAxis } from '../../../ir/ops/softmax.js';
import { emitBlockCopies, outerCount } from './copy.js';
import type { WasmKernel } from './kernel.js';

/** `size` entries from `begin` along one axis: one contiguous chunk per index of the axes before it. */
export const sliceKernel: WasmKernel = {
  emit(ctx, node) {
    const x = node.inputs[0]!;
    const axis = normalizeAxis(Number(node.attrs.axis), x.type.shape.length);
    const inner = x.type.shape.slice(axis + 1).reduce<number>((p, d) => p * d!, 4);
    const chunk = inner * Number(node.attrs.size);
    return emitBlockCopies(
      ctx,
      () => outerCount(ctx, node, axis),
      chunk,
      { base: () => ctx.addr(x), stride: inner * (x.type.shape[axis] as number), offset: inner * Number(node.attrs.begin) },
      { base: () => ctx.addr(node), stride: chunk, offset: 0 },
    );
  },
};
