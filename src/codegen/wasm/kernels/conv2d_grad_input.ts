import type { Node } from '../../../ir/graph.js';
import { isPointwise } from '../../../ir/ops/conv2d-geometry.js';
import { constantB, emitGemm, rowMajor } from '../gemm.js';
import { emitCol2im, nodeGeometry, patchScratch, pixels } from './conv2d-patches.js';
import { emitZero, valueBytes } from './copy.js';
import type { WasmKernel } from './kernel.js';

const geometry = (node: Node) => {
  const [, w, x] = node.inputs as [Node, Node, Node];
  const [kh, kw] = w.type.shape as number[];
  return nodeGeometry(x, kh!, kw!, node);
};

/**
 * dx = col2im(dy x wᵀ): the GEMM writes the patch-matrix gradient [pixels, kh·kw·c] into kernel
 * scratch (w [kh·kw·c, f] read transposed: packed when constant, gathered when computed), then
 * col2im adds it into a zeroed dx. A 1x1 stride-1 conv writes dx directly.
 */
export const conv2dGradInputKernel: WasmKernel = {
  scratch: (node) => patchScratch(node.inputs[2]!, geometry(node)),
  emit(ctx, node) {
    const [dy, w, x] = node.inputs as [Node, Node, Node];
    const g = geometry(node);
    const f = w.type.shape[3] as number;
    const pointwise = isPointwise(g);
    const col = pointwise ? () => ctx.addr(node) : () => ctx.scratch();
    const gemm = emitGemm(ctx, { m: pixels(ctx, x, g), k: f, n: g.k, a: rowMajor(ctx, dy, f), b: constantB(w, true) ?? { addr: () => ctx.addr(w), rowStride: 1, colStride: f }, c: { addr: col, rowStride: g.k, colStride: 1 } });
    return pointwise ? gemm : ctx.m.block(null, [gemm, emitCol2im(ctx, node, g, col, emitZero(ctx, () => ctx.addr(node), () => valueBytes(ctx, node)))]);
  },
};
