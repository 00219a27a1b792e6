/**
 * The WebGPU kernel table, keyed by IR op name like the op registry itself. Ops declaring scalar
 * math in the registry get the elementwise kernel without an entry of their own.
 */
import { isElementwiseOp, isSourceOp } from '../../../ir/traits.js';
import type { KernelExclusions } from '../../exclusions.js';
import type { KernelGenerator } from '../kernel.js';
import { argmaxKernel } from './argmax.js';
import { avgPool2dKernel } from './avg_pool2d.js';
import { concatKernel } from './concat.js';
import { conv2dKernel } from './conv2d.js';
import { conv2dGradInputKernel } from './conv2d_grad_input.js';
import { depthwiseConv2dKernel } from './depthwise_conv2d.js';
import { denseKernel } from './dense.js';
import { dropoutTrainKernel } from './dropout_train.js';
import { scalarOpKernel } from './elementwise.js';
import { logSoftmaxKernel } from './log_softmax.js';
import { maxPool2dKernel } from './max_pool2d.js';
import { oneHotKernel } from './one_hot.js';
import { padKernel } from './pad.js';
import { reduceMaxKernel } from './reduce_max.js';
import { reduceMeanKernel } from './reduce_mean.js';
import { reduceSumKernel } from './reduce_sum.js';
import { reduceProdKernel } from './reduce_prod.js';
import { resize2dKernel } from './resize2d.js';
import { sliceKernel } from './slice.js';
import { softmaxOpKernel } from './softmax.js';
import { splitKernel } from './split.js';
import { unreduceKernel } from './unreduce.js';
import { transposeKernel } from './transpose.js';
import { passThroughKernel, viewKernel } from './view.js';

const KERNELS: Readonly<Record<string, KernelGenerator>> = {
  dense: denseKernel,
  matmul: denseKernel,
  conv2d: conv2dKernel,
  depthwise_conv2d: depthwiseConv2dKernel,
  softmax: softmaxOpKernel,
  log_softmax: logSoftmaxKernel,
  argmax: argmaxKernel,
  reduce_sum: reduceSumKernel,
  reduce_prod: reduceProdKernel,
  reduce_mean: reduceMeanKernel,
  unreduce: unreduceKernel,
  one_hot: oneHotKernel,
  dropout_train: dropoutTrainKernel,
  concat: concatKernel,
  slice: sliceKernel,
  split: splitKernel,
  // A projection's value is written by its multi-result node's kernels.
  result: viewKernel,
  pad: padKernel,
  reshape: viewKernel,
  identity: passThroughKernel,
  dropout: passThroughKernel,
  max_pool2d: maxPool2dKernel,
  avg_pool2d: avgPool2dKernel,
  reduce_max: reduceMaxKernel,
  transpose: transposeKernel,
  conv2d_grad_input: conv2dGradInputKernel,
  resize2d: resize2dKernel,
};

const TRAINING_ONLY = 'it appears only in training graphs, which run on the wasm backend';

/**
 * Ops this backend has no kernel for, by design or not yet, with the reason its NNC4001 build
 * error gives. Every other op of the registry has a kernel (test/codegen/kernel-coverage.test.ts).
 */
export const KERNEL_EXCLUSIONS: KernelExclusions = {
  matmul_nt: TRAINING_ONLY,
  matmul_tn: TRAINING_ONLY,
  conv2d_grad_filter: TRAINING_ONLY,
  max_pool2d_grad: TRAINING_ONLY,
  avg_pool2d_grad: TRAINING_ONLY,
  resize2d_grad: TRAINING_ONLY,
  depthwise_conv2d_grad_input: TRAINING_ONLY,
  depthwise_conv2d_grad_filter: TRAINING_ONLY,
};

/** Sources live in buffers; every other op, views included, has an entry (a view's emits nothing). */
export const needsNoKernel = (op: string): boolean => isSourceOp(op);

export function kernelFor(op: string): KernelGenerator | undefined {
  return KERNELS[op] ?? (isElementwiseOp(op) ? scalarOpKernel : undefined);
}
