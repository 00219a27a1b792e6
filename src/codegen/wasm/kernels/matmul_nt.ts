import { emitGemm } from '../gemm.js';
import type { WasmKernel } from './kernel.js';

/** x times a transposed weight: the same GEMM, the weight transposed while it is packed. */
export const matmulNtKernel: WasmKernel = {
  emit: (ctx, node) => emitGemm(ctx, { x: node.inputs[0]!, w: node.inputs[1]!, transposed: true, out: node }),
};
