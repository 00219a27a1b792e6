import { isRowsTimesMatrix } from '../../../ir/ops/matmul.js';
import type { Node } from '../../../ir/graph.js';
import { constantB, emitGemm, rowMajor, rowsAreBlocks, rowsTimesB, stagingBytes, withStaging } from '../gemm.js';
import { emitBatchedMatmul } from './batched-matmul.js';
import type { WasmKernel } from './kernel.js';

/**
 * An unfused matmul: rows times a [k, n] matrix (constant: packed; computed: read in place) is
 * the dense GEMM without bias or activation; stacks of matrices loop the same GEMM per matrix.
 */
export const matmulKernel: WasmKernel = {
  readsBlocks: (node, operand, blocks) => operand === 0 && isRowsTimesMatrix(node.inputs[0]!.type, node.inputs[1]!.type) && rowsAreBlocks(node.inputs[1]!.type.shape[0] as number, blocks),
  scratch(node) {
    const [x, w] = node.inputs as [Node, Node];
    return { fixedBytes: isRowsTimesMatrix(x.type, w.type) ? stagingBytes(w.type.shape[0] as number) : 0, bytesPerRow: 0 };
  },
  emit(ctx, node) {
    const [x, w] = node.inputs as [Node, Node];
    if (!isRowsTimesMatrix(x.type, w.type)) return emitBatchedMatmul(ctx, x, w, node);
    const [k, n] = w.type.shape as [number, number];
    return emitGemm(ctx, withStaging(ctx, rowsTimesB(ctx, x, constantB(w) ?? rowMajor(ctx, w, n), k, n, node), 0));
  },
};
