/**
 * One thread per result element: its coordinates in the result, read at the permuted coordinates
 * of the operand. Both values keep the batch on axis 0 (rowDims refuses anything else, NNC4001),
 * so a row of the result is a row of the operand.
 */
import { load, type KernelGenerator } from '../kernel.js';
import { product, rowDims, strides } from '../shapes.js';
import { perElementKernel } from './elementwise.js';

export const transposeKernel: KernelGenerator = (node, ctx) => {
  const x = node.inputs[0]!;
  const perm = node.attrs.perm as number[];
  const what = ctx.describe(node);
  const outDims = rowDims(node, what);
  const inDims = rowDims(x, what);
  // Per-row axes: a batched value's axis 0 is the row itself, which stays put.
  const offset = node.type.shape.length - outDims.length;
  const inStrides = strides(inDims);
  const outStrides = strides(outDims);
  const terms = outDims.map((d, k) => {
    const coord = `((r / ${outStrides[k]}u) % ${d}u)`;
    return `${coord} * ${inStrides[perm[k + offset]! - offset]}u`;
  });
  const perRow = product(outDims);
  const body = `  let row = i / ${perRow}u;
  let r = i % ${perRow}u;
  ${load(ctx.operand(node), 'i')} = ${load(ctx.operand(x), `row * ${perRow}u + ${terms.join(' + ') || '0u'}`)};`;
  return [perElementKernel(node, ctx, body)];
};
