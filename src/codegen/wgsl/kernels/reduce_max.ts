/** The largest entry of each line (a line is never empty: it starts from its first entry). */
import { reducedAxes } from '../../../ir/ops/reduce_sum.js';
import { load, type KernelGenerator } from '../kernel.js';
import { at, reduceKernel } from '../reduce.js';

export const reduceMaxKernel: KernelGenerator = (node, ctx) => {
  const x = node.inputs[0]!;
  const body = `  var best = ${at(ctx.operand(x), '0u')};
  for (var j = 1u; j < count; j++) {
    best = max(best, ${at(ctx.operand(x), 'j')});
  }
  ${load(ctx.operand(node), 'line')} = best;`;
  return [reduceKernel(node, x, reducedAxes(node.attrs, x.type.shape.length), ctx, body)];
};
