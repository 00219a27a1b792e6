import { isRowsTimesMatrix } from '../../../ir/ops/matmul.js';
import { isConstantOp } from '../../../ir/traits.js';
import { viewedValue } from '../context.js';
import { emitGemm } from '../gemm.js';
import { emitBatchedMatmul } from './batched-matmul.js';
import type { WasmKernel } from './kernel.js';

/**
 * An unfused matmul: rows times a constant [k, n] matrix is the dense GEMM without bias or
 * activation; a computed right operand, or stacks of matrices, take the plain batched kernel.
 */
export const matmulKernel: WasmKernel = {
  emit(ctx, node) {
    const [x, w] = node.inputs as [typeof node, typeof node];
    if (isRowsTimesMatrix(x.type, w.type) && isConstantOp(viewedValue(w).op)) return emitGemm(ctx, { x, w, out: node });
    return emitBatchedMatmul(ctx, x, w, node);
  },
};
