import { isConstantOp } from '../../../ir/traits.js';
import { viewedValue } from '../context.js';
import { emitGemm } from '../gemm.js';
import { emitBatchedMatmul } from './batched-matmul.js';
import type { WasmKernel } from './kernel.js';

/**
 * x times a transposed weight: the same GEMM, the weight transposed while it is packed; a
 * computed right operand takes the plain batched kernel, reading it transposed.
 */
export const matmulNtKernel: WasmKernel = {
  emit(ctx, node) {
    const [x, w] = node.inputs as [typeof node, typeof node];
    if (isConstantOp(viewedValue(w).op)) return emitGemm(ctx, { x, w, transposed: true, out: node });
    return emitBatchedMatmul(ctx, x, w, node, true);
  },
};
