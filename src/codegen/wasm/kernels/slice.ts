import type { Node } from '../../../ir/graph.js';
import { normalizeAxis } from '../../../ir/ops/softmax.js';
import type { KernelContext } from '../context.js';
import { emitBlockCopies, outerCount } from './copy.js';
import type { WasmKernel } from './kernel.js';

/**
 * `out` = the entries [begin, begin + out's extent) of x along `axis`: one contiguous chunk per
 * index of the axes before it. Slice is this; split is one of these per result.
 */
export function emitSlice(ctx: KernelContext, x: Node, out: Node, axis: number, begin: number) {
  const inner = x.type.shape.slice(axis + 1).reduce<number>((p, d) => p * d!, 4);
  const chunk = inner * (out.type.shape[axis] as number);
  return emitBlockCopies(
    ctx,
    () => outerCount(ctx, out, axis),
    chunk,
    { base: () => ctx.addr(x), stride: inner * (x.type.shape[axis] as number), offset: inner * begin },
    { base: () => ctx.addr(out), stride: chunk, offset: 0 },
  );
}

/** `size` entries from `begin` along one axis. */
export const sliceKernel: WasmKernel = {
  emit(ctx, node) {
    const x = node.inputs[0]!;
    return emitSlice(ctx, x, node, normalizeAxis(Number(node.attrs.axis), x.type.shape.length), Number(node.attrs.begin));
  },
};
