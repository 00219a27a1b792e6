import binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import { isPointwise, type ConvGeometry } from '../../../ir/ops/conv2d-geometry.js';
import { denseOperandsOf } from '../../../ir/ops/dense.js';
import { epiloguePool, poolGeometry, poolReadExtent } from '../../../ir/ops/pool-helpers.js';
import type { ScalarExpr } from '../../../ir/scalar-expr.js';
import { opTraits } from '../../../ir/traits.js';
import { forLoop, type KernelContext } from '../context.js';
import { constantB, emitGemm, rowMajor, type Count, type Strided } from '../gemm.js';
import { emitDirectConv, fitsDirect } from './conv2d-direct.js';
import { emitIm2col, images, nodeGeometry, patchScratch } from './conv2d-patches.js';
import { emitWinogradConv, fitsWinograd, groupLimit, winogradScratchBytes } from './conv2d-winograd.js';
import { emitActivationAfter, emitWithEpilogue, epilogueActivation } from './dense.js';
import type { WasmKernel } from './kernel.js';
import { emitPool } from './pool-windows.js';

type Expr = binaryen.ExpressionRef;

const filters = (node: Node) => node.inputs[1]!.type.shape[3] as number;

/** Scratch for one image's convolution under `g`: Winograd's buffers, or its patch matrix. */
function imageScratchBytes(node: Node, g: ConvGeometry): number {
  const { x, w } = denseOperandsOf(node);
  if (fitsWinograd(g, filters(node))) return winogradScratchBytes(g, filters(node), w, 1);
  return isPointwise(g) ? 0 : patchScratch({ ...x, type: { ...x.type, shape: [1, ...x.type.shape.slice(1)] } }, g).fixedBytes;
}

const geometry = (node: Node) => {
  const [x, w] = node.inputs;
  const [kh, kw] = w!.type.shape as number[];
  return nodeGeometry(x!, kh!, kw!, node);
};

/**
 * A pooled conv's geometry cut to the output rows and columns its pooling reads (the conv of
 * the cut output is the cut of the conv: the taps still address x by its own h and w), and
 * the shape of one image's tile of it.
 */
function pooledConv(node: Node, g: ConvGeometry): { readonly g: ConvGeometry; readonly tileShape: number[] } {
  const pool = epiloguePool(node.attrs)!;
  const f = node.inputs[1]!.type.shape[3] as number;
  const read = poolReadExtent(poolGeometry({ dtype: 'f32', shape: [1, g.oh, g.ow, f] }, pool.attrs), pool.attrs);
  const cut = { ...g, oh: read.h, ow: read.w };
  return { g: cut, tileShape: [1, cut.oh, cut.ow, f] };
}

/**
 * conv2d as a GEMM: the patch matrix of x (im2col, in kernel scratch) [pixels, kh·kw·c] times the
 * kernel read as [kh·kw·c, f], with the bias, activation and residual in the GEMM's epilogue. A 1x1
 * stride-1 conv multiplies x in place; a short window (a first layer's) runs direct
 * (conv2d-direct.ts) with SIMD; a 3x3 stride-1 window by Winograd's F(2x2, 3x3)
 * (conv2d-winograd.ts). A `pool` runs image by image: the image's output goes to a tile in
 * scratch (in cache) and is pooled from there into the result, so the unpooled activation never
 * makes a round trip through memory.
 */
export const conv2dKernel: WasmKernel = {
  scratch(node) {
    const g = geometry(node);
    const { x, w } = denseOperandsOf(node);
    if (!epiloguePool(node.attrs)) return fitsWinograd(g, filters(node)) ? { fixedBytes: winogradScratchBytes(g, filters(node), w, groupLimit(x.type.shape[0])), bytesPerRow: 0 } : patchScratch(x, g);
    // One image's patch matrix, then its tile (the scalar module's GEMM form needs the patches).
    const { g: cut, tileShape } = pooledConv(node, g);
    const tileBytes = tileShape.reduce((n, d) => n * d, 4);
    return { fixedBytes: imageScratchBytes(node, cut) + tileBytes, bytesPerRow: 0 };
  },
  emit(ctx, node) {
    const { x, residual } = denseOperandsOf(node);
    const g = geometry(node);
    if (epiloguePool(node.attrs)) return emitPooled(ctx, node, pooledConv(node, g));
    return emitWithEpilogue(ctx, node, residual, (epilogue, inKernel) =>
      emitConv(ctx, node, g, epilogue, { x: () => ctx.addr(x), y: () => ctx.addr(node), images: images(ctx, x), patches: () => ctx.scratch(), ...(inKernel && residual ? { residual: () => ctx.addr(residual) } : {}) }),
    );
  },
};

/** Where one convolution call reads and writes: `images` images of x from `x`, outputs from `y`. */
interface ConvTarget {
  readonly x: () => Expr;
  readonly y: () => Expr;
  readonly images: Count;
  /** Scratch for the patch matrix of those images. */
  readonly patches: () => Expr;
  readonly residual?: () => Expr;
}

/** The convolution of `t.images` images with the bias, `epilogue` and residual applied: direct, in place (1x1) or im2col + GEMM. */
function emitConv(ctx: KernelContext, node: Node, g: ConvGeometry, epilogue: ScalarExpr | undefined, t: ConvTarget): Expr {
  const { x, w, bias } = denseOperandsOf(node);
  const f = w.type.shape[3] as number;
  if (fitsDirect(ctx, w, g)) return emitDirectConv(ctx, w, bias, g, f, epilogue, t);
  if (fitsWinograd(g, f)) return emitWinogradConv(ctx, { w, transposed: false }, bias, g, f, epilogue, { ...t, scratch: t.patches });
  const pointwise = isPointwise(g);
  const perImage = g.oh * g.ow;
  const count = t.images;
  const m: Count = typeof count === 'number' ? count * perImage : () => ctx.m.i32.mul(count(), ctx.i32(perImage));
  const a = pointwise ? t.x : t.patches;
  const rows = (addr: () => Expr, cols: number): Strided => ({ addr, rowStride: cols, colStride: 1 });
  const gemm = emitGemm(ctx, {
    m,
    k: g.k,
    n: f,
    a: rows(a, g.k),
    b: constantB(w) ?? rowMajor(ctx, w, f),
    c: rows(t.y, f),
    ...(bias ? { bias } : {}),
    ...(epilogue ? { epilogue } : {}),
    ...(t.residual ? { residual: rows(t.residual, f) } : {}),
  });
  return pointwise ? gemm : ctx.m.block(null, [emitIm2col(ctx, x, g, t.patches, { base: t.x, pixels: m }), gemm]);
}

/** Image by image: the convolution into the tile, an activation the kernel could not apply in registers over it, then the pooling into the result. */
function emitPooled(ctx: KernelContext, node: Node, { g, tileShape }: ReturnType<typeof pooledConv>): Expr {
  const { m } = ctx;
  const { x, w } = denseOperandsOf(node);
  const pool = epiloguePool(node.attrs)!;
  const f = w.type.shape[3] as number;
  const n = ctx.local(binaryen.i32);
  const at = (base: () => Expr, bytes: number) => () => m.i32.add(base(), m.i32.mul(m.local.get(n, binaryen.i32), ctx.i32(bytes)));
  const tile = () => ctx.scratch(imageScratchBytes(node, g));
  const { expr, inKernel } = epilogueActivation(node);
  const pooled = poolGeometry({ dtype: 'f32', shape: tileShape }, pool.attrs);
  const outBytes = pooled.outH * pooled.outW * f * 4;
  const count = images(ctx, x);
  return forLoop(ctx, n, ctx.i32(0), () => (typeof count === 'number' ? ctx.i32(count) : count()), 1, [
    emitConv(ctx, node, g, inKernel ? expr : undefined, { x: at(() => ctx.addr(x), g.h * g.w * g.c * 4), y: tile, images: 1, patches: () => ctx.scratch() }),
    ...emitActivationAfter(ctx, node, inKernel, tile, tileShape),
    emitPool(ctx, opTraits(pool.op).pooling!, pooled, tile, at(() => ctx.addr(node), outBytes)),
  ]);
}
