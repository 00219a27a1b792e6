/**
 * Split: one slice kernel per result, each writing its projection's storage (the node itself
 * owns none). A result nothing projects (DCE dropped it) is not computed.
 */
import type { KernelGenerator } from '../kernel.js';
import { shiftIntoKernel } from './shift-axis.js';

export const splitKernel: KernelGenerator = (node, ctx) => {
  const x = node.inputs[0]!;
  const projections = ctx.projections(node);
  let begin = 0;
  return (node.attrs.sizes as readonly number[]).flatMap((size, k) => {
    const out = projections[k];
    const at = begin;
    begin += size;
    return out ? [shiftIntoKernel(out, x, Number(node.attrs.axis), node.op, ctx, at)] : [];
  });
};
