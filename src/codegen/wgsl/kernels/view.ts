/**
 * Ops that move no data at inference: reshape is a view sharing its operand's storage, and
 * identity / dropout copy only when the memory plan gave them storage of their own.
 */
import type { Node } from '../../../ir/graph.js';
import { arg } from '../../../ir/scalar-expr.js';
import type { KernelContext, KernelGenerator } from '../kernel.js';
import { elementwiseKernel } from './elementwise.js';

export const viewKernel: KernelGenerator = () => [];

const sameStorage = (a: Node, b: Node, ctx: KernelContext): boolean => {
  const x = ctx.operand(a);
  const y = ctx.operand(b);
  return x.array === y.array && x.base === y.base;
};

export const passThroughKernel: KernelGenerator = (node, ctx) =>
  sameStorage(node, node.inputs[0]!, ctx) ? [] : [elementwiseKernel(node, ctx, arg(0))];
