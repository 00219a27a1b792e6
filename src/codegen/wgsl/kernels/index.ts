/**
 * The WebGPU kernel table, keyed by IR op name like the op registry itself. Ops declaring scalar
 * math in the registry get the elementwise kernel without an entry of their own.
 */
import { isElementwiseOp } from '../../../ir/traits.js';
import type { KernelGenerator } from '../kernel.js';
import { argmaxKernel } from './argmax.js';
import { concatKernel } from './concat.js';
import { denseKernel } from './dense.js';
import { scalarOpKernel } from './elementwise.js';
import { logSoftmaxKernel } from './log_softmax.js';
import { padKernel } from './pad.js';
import { sliceKernel } from './slice.js';
import { softmaxOpKernel } from './softmax.js';
import { splitKernel } from './split.js';
import { passThroughKernel, viewKernel } from './view.js';

const KERNELS: Readonly<Record<string, KernelGenerator>> = {
  dense: denseKernel,
  matmul: denseKernel,
  softmax: softmaxOpKernel,
  log_softmax: logSoftmaxKernel,
  argmax: argmaxKernel,
  concat: concatKernel,
  slice: sliceKernel,
  split: splitKernel,
  // A projection's value is written by its multi-result node's kernels.
  result: viewKernel,
  pad: padKernel,
  reshape: viewKernel,
  identity: passThroughKernel,
  dropout: passThroughKernel,
};

export function kernelFor(op: string): KernelGenerator | undefined {
  return KERNELS[op] ?? (isElementwiseOp(op) ? scalarOpKernel : undefined);
}
