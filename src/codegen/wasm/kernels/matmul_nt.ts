import { constantB, emitGemm, rowsTimesB, type Strided } from '../gemm.js';
import type { WasmKernel } from './kernel.js';

/**
 * x times the transpose of w[n, k]: the dense GEMM, a constant w transposed while it is packed,
 * a computed one read in place through its strides (column j of wᵀ is row j of w).
 */
export const matmulNtKernel: WasmKernel = {
  emit(ctx, node) {
    const [x, w] = node.inputs as [typeof node, typeof node];
    const [n, k] = w.type.shape as [number, number];
    const transposed: Strided = { addr: () => ctx.addr(w), rowStride: 1, colStride: k };
    return emitGemm(ctx, rowsTimesB(ctx, x, constantB(w, true) ?? transposed, k, n, node));
  },
};
