import { RESULT_OP, type Node } from '../../../ir/graph.js';
import { isElementwiseOp, isSourceOp, isViewOp } from '../../../ir/traits.js';
import { concatKernel } from './concat.js';
import { denseKernel } from './dense.js';
import { dropoutKernel } from './dropout.js';
import { elementwiseKernel } from './elementwise.js';
import { identityKernel } from './identity.js';
import type { WasmKernel } from './kernel.js';
import { logSoftmaxKernel } from './log_softmax.js';
import { matmulKernel } from './matmul.js';
import { matmulNtKernel } from './matmul_nt.js';
import { matmulTnKernel } from './matmul_tn.js';
import { padKernel } from './pad.js';
import { sliceKernel } from './slice.js';
import { softmaxKernel } from './softmax.js';
import { splitKernel } from './split.js';

/**
 * The wasm kernel of each op, keyed by registry name. Ops that declare `scalar` math (add, relu,
 * gelu, the fused `elementwise`, ...) all share the broadcasting elementwise kernel, which
 * translates their expression; views (reshape) and sources need no kernel. Ops that exist only
 * in training graphs (gradient products over the batch, reductions, integer labels and indices,
 * seeded dropout masks) have none: bundles run inference, in float32.
 */
const KERNELS: Readonly<Record<string, WasmKernel>> = {
  dense: denseKernel,
  matmul: matmulKernel,
  matmul_nt: matmulNtKernel,
  matmul_tn: matmulTnKernel,
  softmax: softmaxKernel,
  log_softmax: logSoftmaxKernel,
  concat: concatKernel,
  slice: sliceKernel,
  split: splitKernel,
  pad: padKernel,
  identity: identityKernel,
  dropout: dropoutKernel,
};

/** The scratch each node's kernel asks the memory plan for (planMemory's `scratchOf`). */
export const wasmScratch = (node: Node) => wasmKernel(node.op)?.scratch?.(node);

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
