import { emitGemm } from '../gemm.js';
import type { WasmKernel } from './kernel.js';

/** An unfused matmul is the dense GEMM without bias or activation. */
export const matmulKernel: WasmKernel = {
  emit: (ctx, node) => emitGemm(ctx, { x: node.inputs[0]!, w: node.inputs[1]!, out: node }),
};
