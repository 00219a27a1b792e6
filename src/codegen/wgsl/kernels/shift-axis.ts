/**
 * Copies x into the output shifted along one axis: output position p reads x at p + shift along
 * that axis, and zero where that falls outside x. Slice (shift = begin) and pad (shift = -before)
 * are both this.
 */
import type { Node } from '../../../ir/graph.js';
import { load, type Kernel, type KernelContext } from '../kernel.js';
import { product, rowAxis } from '../shapes.js';
import { perElementKernel } from './elementwise.js';

export function shiftAlongAxisKernel(node: Node, ctx: KernelContext, shift: number): Kernel {
  const x = node.inputs[0]!;
  const { dims, axis } = rowAxis(node, Number(node.attrs.axis), ctx.describe(node), node.op);
  const inner = product(dims.slice(axis));
  const outExtent = dims[axis - 1]!;
  const inExtent = x.type.shape[axis] as number;
  const body = `  let o = i / ${outExtent * inner}u;
  let p = i32((i / ${inner}u) % ${outExtent}u) + ${shift};
  var v = 0.0;
  if (p >= 0 && p < ${inExtent}) {
    v = ${load(ctx.operand(x), `o * ${inExtent * inner}u + u32(p) * ${inner}u + i % ${inner}u`)};
  }
  ${load(ctx.operand(node), 'i')} = v;`;
  return perElementKernel(node, ctx, body);
}
