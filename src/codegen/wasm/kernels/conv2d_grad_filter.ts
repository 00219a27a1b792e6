import type { Node } from '../../../ir/graph.js';
import { isPointwise } from '../../../ir/ops/conv2d-geometry.js';
import { constantB, emitGemm, rowMajor } from '../gemm.js';
import { emitIm2col, nodeGeometry, patchScratch, pixels } from './conv2d-patches.js';
import type { WasmKernel } from './kernel.js';

const geometry = (node: Node) => {
  const [kh, kw] = node.attrs.kernelSize as number[];
  return nodeGeometry(node.inputs[0]!, kh!, kw!, node);
};

/**
 * dw [kh·kw·c, f] = im2col(x)ᵀ x dy: the GEMM reads the patch matrix transposed through its
 * strides (no copy), contracting over every output pixel of the batch (a run-time count).
 */
export const conv2dGradFilterKernel: WasmKernel = {
  scratch: (node) => patchScratch(node.inputs[0]!, geometry(node)),
  emit(ctx, node) {
    const [x, dy] = node.inputs as [Node, Node];
    const g = geometry(node);
    const f = node.type.shape[3] as number;
    const pointwise = isPointwise(g);
    const col = pointwise ? () => ctx.addr(x) : () => ctx.scratch();
    const gemm = emitGemm(ctx, { m: g.k, k: pixels(ctx, x, g), n: f, a: { addr: col, rowStride: 1, colStride: g.k }, b: constantB(dy) ?? rowMajor(ctx, dy, f), c: rowMajor(ctx, node, f) });
    return pointwise ? gemm : ctx.m.block(null, [emitIm2col(ctx, x, g, col), gemm]);
  },
};
