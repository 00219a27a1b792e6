import type { WasmKernel } from './kernel.js';
import { emitSoftmax } from './softmax.js';

/** x - logsumexp(x) along the axis: the softmax loop with a log epilogue. */
export const logSoftmaxKernel: WasmKernel = {
  emit: (ctx, node) => emitSoftmax(ctx, () => ctx.addr(node.inputs[0]!), () => ctx.addr(node), node.type.shape, node.attrs.axis as number, true),
};
