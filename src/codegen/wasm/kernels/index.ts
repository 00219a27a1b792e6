import { RESULT_OP, type Node } from '../../../ir/graph.js';
import { isElementwiseOp, isSourceOp, isViewOp } from '../../../ir/traits.js';
import type { KernelExclusions } from '../../exclusions.js';
import type { BlockReader } from '../../../passes/split-views.js';
import { argmaxKernel } from './argmax.js';
import { avgPool2dKernel } from './avg_pool2d.js';
import { avgPool2dGradKernel } from './avg_pool2d_grad.js';
import { concatKernel } from './concat.js';
import { conv2dKernel } from './conv2d.js';
import { conv2dGradFilterKernel } from './conv2d_grad_filter.js';
import { conv2dGradInputKernel } from './conv2d_grad_input.js';
import { depthwiseConv2dKernel } from './depthwise_conv2d.js';
import { depthwiseConv2dGradFilterKernel } from './depthwise_conv2d_grad_filter.js';
import { depthwiseConv2dGradInputKernel } from './depthwise_conv2d_grad_input.js';
import { denseKernel } from './dense.js';
import { dropoutKernel } from './dropout.js';
import { dropoutTrainKernel } from './dropout_train.js';
import { elementwiseKernel } from './elementwise.js';
import { identityKernel } from './identity.js';
import { movesWords, type WasmKernel } from './kernel.js';
import { logSoftmaxKernel } from './log_softmax.js';
import { matmulKernel } from './matmul.js';
import { maxPool2dKernel } from './max_pool2d.js';
import { maxPool2dGradKernel } from './max_pool2d_grad.js';
import { matmulNtKernel } from './matmul_nt.js';
import { matmulTnKernel } from './matmul_tn.js';
import { oneHotKernel } from './one_hot.js';
import { gatherGradKernel, gatherKernel } from './gather.js';
import { padKernel } from './pad.js';
import { reduceMaxKernel } from './reduce_max.js';
import { reduceMeanKernel } from './reduce_mean.js';
import { reduceSumKernel } from './reduce_sum.js';
import { reduceProdKernel } from './reduce_prod.js';
import { resize2dKernel } from './resize2d.js';
import { resize2dGradKernel } from './resize2d_grad.js';
import { sliceKernel } from './slice.js';
import { softmaxKernel } from './softmax.js';
import { splitKernel } from './split.js';
import { unreduceKernel } from './unreduce.js';
import { transposeKernel } from './transpose.js';

/**
 * The wasm kernel of each op, keyed by registry name. Ops that declare `scalar` math (add, relu,
 * gelu, the fused `elementwise`, ...) all share the broadcasting elementwise kernel, which
 * translates their expression; views (reshape) and sources need no kernel. Every other op of
 * the registry has an entry here or in KERNEL_EXCLUSIONS (test/codegen/kernel-coverage.test.ts).
 */
const KERNELS: Readonly<Record<string, WasmKernel>> = {
  dense: denseKernel,
  matmul: matmulKernel,
  matmul_nt: matmulNtKernel,
  matmul_tn: matmulTnKernel,
  softmax: softmaxKernel,
  log_softmax: logSoftmaxKernel,
  concat: movesWords(concatKernel),
  slice: movesWords(sliceKernel),
  split: movesWords(splitKernel),
  pad: movesWords(padKernel),
  identity: movesWords(identityKernel),
  dropout: dropoutKernel,
  argmax: argmaxKernel,
  reduce_sum: reduceSumKernel,
  reduce_prod: reduceProdKernel,
  reduce_mean: reduceMeanKernel,
  unreduce: unreduceKernel,
  one_hot: oneHotKernel,
  gather: movesWords(gatherKernel),
  gather_grad: movesWords(gatherGradKernel),
  dropout_train: dropoutTrainKernel,
  conv2d: conv2dKernel,
  conv2d_grad_input: conv2dGradInputKernel,
  conv2d_grad_filter: conv2dGradFilterKernel,
  depthwise_conv2d: depthwiseConv2dKernel,
  depthwise_conv2d_grad_input: depthwiseConv2dGradInputKernel,
  depthwise_conv2d_grad_filter: depthwiseConv2dGradFilterKernel,
  max_pool2d: maxPool2dKernel,
  avg_pool2d: avgPool2dKernel,
  max_pool2d_grad: maxPool2dGradKernel,
  avg_pool2d_grad: avgPool2dGradKernel,
  reduce_max: reduceMaxKernel,
  transpose: movesWords(transposeKernel),
  resize2d: resize2dKernel,
  resize2d_grad: resize2dGradKernel,
};

/**
 * Ops this backend has no kernel for, by design or not yet, with the reason its NNC4001 build
 * error gives.
 */
export const KERNEL_EXCLUSIONS: KernelExclusions = {};

/** The scratch each node's kernel asks the memory plan for (planMemory's `scratchOf`). */
export const wasmScratch = (node: Node) => wasmKernel(node.op)?.scratch?.(node);

/** The scratch kernels share with others (planMemory's `sharedOf`). */
export const wasmSharedScratch = (node: Node) => wasmKernel(node.op)?.sharedScratch?.(node);

/** The operand each node's kernel may write its result over (planMemory's `overwrites`). */
export const wasmOverwrites = (node: Node) => wasmKernel(node.op)?.overwrites?.(node);

/** Which operands the kernels read in place as a split's pieces (planMemory's `blockReader`). */
export const wasmBlockReader: BlockReader = (node, operand, blocks) => wasmKernel(node.op)?.readsBlocks?.(node, operand, blocks) === true;

/** The kernel for an op, or undefined if the wasm backend cannot run it. */
export function wasmKernel(op: string): WasmKernel | undefined {
  return KERNELS[op] ?? (isElementwiseOp(op) ? elementwiseKernel : undefined);
}

/**
 * True for ops that compute nothing at run time: sources live in memory, views share it, and a
 * projection (`result`) is written by its multi-result node's kernel.
 */
export function needsNoKernel(op: string): boolean {
  // Projections of a multi-result node: its kernel writes every result.
  return isSourceOp(op) || isViewOp(op) || op === RESULT_OP;
}
