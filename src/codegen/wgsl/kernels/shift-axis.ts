/**
 * Copies x into the output shifted along one axis: output position p reads x at p + shift along
 * that axis, and zero where that falls outside x. Slice (shift = begin) and pad (shift = -before)
 * are both this.
 */
import { NncError } from '../../../errors.js';
import type { Node } from '../../../ir/graph.js';
import { normalizeAxis } from '../../../ir/ops/softmax.js';
import { ENTRY_PARAMS, load, shaderModule, type Kernel, type KernelContext } from '../kernel.js';
import { product, rowDims } from '../shapes.js';
import { ELEMENTWISE_WORKGROUP as WG } from './elementwise.js';

export function shiftAlongAxisKernel(node: Node, ctx: KernelContext, shift: number): Kernel {
  const x = node.inputs[0]!;
  const dims = rowDims(node, ctx.describe(node));
  const axis = normalizeAxis(Number(node.attrs.axis), dims.length + 1);
  if (axis === 0) throw new NncError('NNC4001', `webgpu: ${ctx.describe(node)}: ${node.op} along the batch axis is not supported`);
  const inner = product(dims.slice(axis));
  const outExtent = dims[axis - 1]!;
  const inExtent = x.type.shape[axis] as number;
  const body = `
@compute @workgroup_size(${WG})
fn main(${ENTRY_PARAMS}) {
  let i = group_index(wid, nwg) * ${WG}u + lid.x;
  if (i >= params.batch * ${product(dims)}u) {
    return;
  }
  let o = i / ${outExtent * inner}u;
  let p = i32((i / ${inner}u) % ${outExtent}u) + ${shift};
  var v = 0.0;
  if (p >= 0 && p < ${inExtent}) {
    v = ${load(ctx.operand(x), `o * ${inExtent * inner}u + u32(p) * ${inner}u + i % ${inner}u`)};
  }
  ${load(ctx.operand(node), 'i')} = v;
}`;
  return { label: ctx.describe(node), wgsl: shaderModule(body), dispatch: { rowsPerBatch: product(dims), rowsPerGroup: WG, columnGroups: 1 } };
}
