import type { Node } from '../../../ir/graph.js';
import { isPointwise } from '../../../ir/ops/conv2d-geometry.js';
import { denseOperandsOf } from '../../../ir/ops/dense.js';
import { constantB, rowMajor } from '../gemm.js';
import { emitIm2col, nodeGeometry, patchScratch, pixels } from './conv2d-patches.js';
import { emitFusedGemm } from './dense.js';
import type { WasmKernel } from './kernel.js';

const geometry = (node: Node) => {
  const [x, w] = node.inputs;
  const [kh, kw] = w!.type.shape as number[];
  return nodeGeometry(x!, kh!, kw!, node);
};

/**
 * conv2d as a GEMM: the patch matrix of x (im2col, in kernel scratch) [pixels, kh·kw·c] times the
 * kernel read as [kh·kw·c, f], with the bias, activation and residual in the GEMM's epilogue. A 1x1
 * stride-1 conv multiplies x in place.
 */
export const conv2dKernel: WasmKernel = {
  scratch: (node) => patchScratch(node.inputs[0]!, geometry(node)),
  emit(ctx, node) {
    const { x, w, bias, residual } = denseOperandsOf(node);
    const g = geometry(node);
    const f = w.type.shape[3] as number;
    const pointwise = isPointwise(g);
    const a = pointwise ? () => ctx.addr(x) : () => ctx.scratch();
    const product = { m: pixels(ctx, x, g), k: g.k, n: f, a: { addr: a, rowStride: g.k, colStride: 1 }, b: constantB(w) ?? rowMajor(ctx, w, f), c: rowMajor(ctx, node, f) };
    const gemm = emitFusedGemm(ctx, node, product, bias, residual);
    return pointwise ? gemm : ctx.m.block(null, [emitIm2col(ctx, x, g, a), gemm]);
  },
};
