/**
 * Copies x into the output shifted along one axis: output position p reads x at p + shift along
 * that axis, and zero where that falls outside x. Slice (shift = begin) and pad (shift = -before)
 * are both this, and split is one per result.
 */
import type { Node } from '../../../ir/graph.js';
import { load, type Kernel, type KernelContext } from '../kernel.js';
import { product, rowAxis, rowDims } from '../shapes.js';
import { perElementKernel } from './elementwise.js';

export function shiftAlongAxisKernel(node: Node, ctx: KernelContext, shift: number): Kernel {
  return shiftIntoKernel(node, node.inputs[0]!, Number(node.attrs.axis), node.op, ctx, shift);
}

/** The same copy from `x` into `out` (which need not be a node reading x: a split's projection). */
export function shiftIntoKernel(out: Node, x: Node, axisAttr: number, op: string, ctx: KernelContext, shift: number): Kernel {
  const { dims, axis } = rowAxis(out, axisAttr, ctx.describe(out), op);
  const inner = product(dims.slice(axis));
  const outExtent = dims[axis - 1]!;
  const inExtent = rowDims(x, ctx.describe(out))[axis - 1]!;
  const body = `  let o = i / ${outExtent * inner}u;
  let p = i32((i / ${inner}u) % ${outExtent}u) + ${shift};
  var v = 0.0;
  if (p >= 0 && p < ${inExtent}) {
    v = ${load(ctx.operand(x), `o * ${inExtent * inner}u + u32(p) * ${inner}u + i % ${inner}u`)};
  }
  ${load(ctx.operand(out), 'i')} = v;`;
  return perElementKernel(out, ctx, body);
}
