/** Index of the largest entry along an axis (the first on ties, as tf.argMax; the last with `last`), as f32. */
import { normalizeAxis } from '../../../ir/ops/softmax.js';
import { load, type KernelGenerator } from '../kernel.js';
import { at, reduceKernel } from '../reduce.js';

export const argmaxKernel: KernelGenerator = (node, ctx) => {
  const x = node.inputs[0]!;
  const axis = normalizeAxis(node.attrs.axis as number, x.type.shape.length);
  const body = `  var best = 0u;
  var best_value = ${at(ctx.operand(x), '0u')};
  for (var j = 1u; j < count; j++) {
    let v = ${at(ctx.operand(x), 'j')};
    if (v ${node.attrs.last ? '>=' : '>'} best_value) {
      best = j;
      best_value = v;
    }
  }
  ${load(ctx.operand(node), 'line')} = f32(best);`;
  return [reduceKernel(node, x, [axis], ctx, body)];
};
