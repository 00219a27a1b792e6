/**
 * One thread per output element: splits the index into (outer, position along the joined axis),
 * finds the operand owning that position and copies from it.
 */
import { NncError } from '../../../errors.js';
import type { Node } from '../../../ir/graph.js';
import { normalizeAxis } from '../../../ir/ops/softmax.js';
import { ENTRY_PARAMS, load, shaderModule, type KernelGenerator } from '../kernel.js';
import { product, rowDims } from '../shapes.js';
import { ELEMENTWISE_WORKGROUP as WG } from './elementwise.js';

export const concatKernel: KernelGenerator = (node: Node, ctx) => {
  const dims = rowDims(node, ctx.describe(node));
  const axis = normalizeAxis(typeof node.attrs.axis === 'number' ? node.attrs.axis : -1, dims.length + 1);
  if (axis === 0) throw new NncError('NNC4001', `webgpu: ${ctx.describe(node)}: concat along the batch axis is not supported`);
  const inner = product(dims.slice(axis));
  const chunk = dims[axis - 1]! * inner; // elements of the output per outer index
  const out = ctx.operand(node);
  let start = 0;
  const branches = node.inputs.map((x) => {
    const width = (x.type.shape[axis] as number) * inner;
    const read = load(ctx.operand(x), `o * ${width}u + r - ${start}u`);
    const branch = `if (r < ${start + width}u) {\n    v = ${read};\n  }`;
    start += width;
    return branch;
  });
  const body = `
@compute @workgroup_size(${WG})
fn main(${ENTRY_PARAMS}) {
  let i = group_index(wid, nwg) * ${WG}u + lid.x;
  if (i >= params.batch * ${product(dims)}u) {
    return;
  }
  let o = i / ${chunk}u;
  let r = i % ${chunk}u;
  var v = 0.0;
  ${branches.join(' else ')}
  ${load(out, 'i')} = v;
}`;
  return [{ label: ctx.describe(node), wgsl: shaderModule(body), dispatch: { rowsPerBatch: product(dims), rowsPerGroup: WG, columnGroups: 1 } }];
};
