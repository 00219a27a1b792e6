/**
 * One thread per output element: splits the index into (outer, position along the joined axis),
 * finds the operand owning that position and copies from it.
 */
import type { Node } from '../../../ir/graph.js';
import { load, type KernelGenerator } from '../kernel.js';
import { product, rowAxis, rowDims } from '../shapes.js';
import { perElementKernel } from './elementwise.js';

export const concatKernel: KernelGenerator = (node: Node, ctx) => {
  const { dims, axis } = rowAxis(node, node.attrs.axis as number, ctx.describe(node), node.op);
  const inner = product(dims.slice(axis));
  const chunk = dims[axis - 1]! * inner; // elements of the output per outer index
  let start = 0;
  const branches = node.inputs.map((x) => {
    const width = rowDims(x, ctx.describe(node))[axis - 1]! * inner;
    const read = load(ctx.operand(x), `o * ${width}u + r - ${start}u`);
    const branch = `if (r < ${start + width}u) {\n    v = ${read};\n  }`;
    start += width;
    return branch;
  });
  const body = `  let o = i / ${chunk}u;
  let r = i % ${chunk}u;
  var v = 0.0;
  ${branches.join(' else ')}
  ${load(ctx.operand(node), 'i')} = v;`;
  return [perElementKernel(node, ctx, body)];
};
