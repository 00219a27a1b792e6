/**
 * Each line of the result (its last axis, `depth` long) is 1 where its index equals the label and
 * 0 elsewhere: a label that is not an integer in [0, depth) equals no index, an all-zero line.
 */
import { load, type KernelGenerator } from '../kernel.js';
import { at, reduceKernel } from '../reduce.js';

export const oneHotKernel: KernelGenerator = (node, ctx) => {
  const body = `  let label = ${load(ctx.operand(node.inputs[0]!), 'line')};
  for (var j = 0u; j < count; j++) {
    ${at(ctx.operand(node), 'j')} = select(0.0, 1.0, f32(j) == label);
  }`;
  return [reduceKernel(node, node, [node.type.shape.length - 1], ctx, body)];
};
