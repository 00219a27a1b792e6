/**
 * g broadcast back over the reduced axes of ref: each line of the result (ref's shape) is filled
 * with g's element at the line's index, times 1 / count for a mean.
 */
import { reducedAxes } from '../../../ir/ops/reduce_sum.js';
import { load, type KernelGenerator } from '../kernel.js';
import { at, reduceKernel } from '../reduce.js';

export const unreduceKernel: KernelGenerator = (node, ctx) => {
  const [g, ref] = [node.inputs[0]!, node.inputs[1]!];
  const value = load(ctx.operand(g), 'line');
  const body = `  let v = ${node.attrs.mean === true ? `${value} * (1.0 / f32(count))` : value};
  for (var j = 0u; j < count; j++) {
    ${at(ctx.operand(node), 'j')} = v;
  }`;
  return [reduceKernel(node, ref, reducedAxes(node.attrs, ref.type.shape.length), ctx, body)];
};
