/**
 * Softmax (and log_softmax) along an axis, max subtracted first as tfjs does: one invocation per
 * line (the reduce skeleton) with three passes over it. Every element is read before it is
 * written, so it runs in place too (the dense softmax epilogue).
 */
import type { Node } from '../../../ir/graph.js';
import { normalizeAxis } from '../../../ir/ops/softmax.js';
import type { Kernel, KernelContext, KernelGenerator } from '../kernel.js';
import { at, reduceKernel } from '../reduce.js';
import { F32_MAX } from '../scalar.js';

/** softmax writes exp(x - max) / total; log_softmax writes x - max - log(total). */
export type SoftmaxMode = 'softmax' | 'log_softmax';

/** (log_)softmax of `src` along `axis`, written to `node`'s storage (src may be node itself). */
export function softmaxKernel(node: Node, src: Node, ctx: KernelContext, axis: number, mode: SoftmaxMode = 'softmax'): Kernel {
  const x = at(ctx.operand(src), 'j');
  const result = mode === 'softmax' ? `exp(${x} - row_max) / total` : `${x} - row_max - log(total)`;
  const body = `  var row_max = -${F32_MAX};
  for (var j = 0u; j < count; j++) {
    row_max = max(row_max, ${x});
  }
  var total = 0.0;
  for (var j = 0u; j < count; j++) {
    total += exp(${x} - row_max);
  }
  for (var j = 0u; j < count; j++) {
    ${at(ctx.operand(node), 'j')} = ${result};
  }`;
  return reduceKernel(node, src, [normalizeAxis(axis, src.type.shape.length)], ctx, body);
}

export const softmaxOpKernel: KernelGenerator = (node, ctx) => [softmaxKernel(node, node.inputs[0]!, ctx, node.attrs.axis as number)];
