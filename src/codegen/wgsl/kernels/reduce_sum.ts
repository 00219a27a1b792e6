/** The sum (or mean, or product) of each line, accumulated in f32 (WGSL has no f64) in the interpreter's order. */
import type { Node } from '../../../ir/graph.js';
import { reducedAxes } from '../../../ir/ops/reduce_sum.js';
import { load, type Kernel, type KernelContext, type KernelGenerator } from '../kernel.js';
import { at, reduceKernel } from '../reduce.js';

export function sumKernel(node: Node, ctx: KernelContext, kind: 'sum' | 'mean' | 'prod'): Kernel {
  const x = node.inputs[0]!;
  const body = `  var acc = ${kind === 'prod' ? '1.0' : '0.0'};
  for (var j = 0u; j < count; j++) {
    acc ${kind === 'prod' ? '*=' : '+='} ${at(ctx.operand(x), 'j')};
  }
  ${load(ctx.operand(node), 'line')} = ${kind === 'mean' ? 'acc / f32(count)' : 'acc'};`;
  return reduceKernel(node, x, reducedAxes(node.attrs, x.type.shape.length), ctx, body);
}

export const reduceSumKernel: KernelGenerator = (node, ctx) => [sumKernel(node, ctx, 'sum')];
