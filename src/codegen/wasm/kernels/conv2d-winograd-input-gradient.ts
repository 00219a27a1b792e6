/**
 * dx of a 3x3 stride-1 conv by Winograd's minimal filtering (winograd-scheme.ts) run backwards
 * over the forward's own tiles. The forward makes each tile y = Aᵀ[Σ_c U_c ⊙ (Bᵀ d_c B)]A from
 * its α x α patch d of x; the gradient of that by d_c is B[Σ_f U[c, f] ⊙ (A dy_f Aᵀ)]Bᵀ. Image
 * by image, in groups as the forward kernel: dy into a zero-bordered frame and transformed (as the filter gradient transforms
 * it) into W[ξ] [tiles, f]; α² GEMMs dV[ξ] [tiles, c] = W[ξ] x U[ξ]ᵀ; each tile's B dV Bᵀ added
 * into x's frame at its patch (neighbouring patches overlap by two pixels); the frame's
 * interior is dx. The convolution of padded dy with the turned filter would multiply tiles of
 * dx instead: for a valid conv of 13x13 to 11x11 in F(2x2), 49 tiles against the forward's 36.
 */
import binaryen from 'binaryen';
import type { ConvGeometry } from '../../../ir/ops/conv2d-geometry.js';
import { forLoop, type KernelContext } from '../context.js';
import { emitGemm, type Count } from '../gemm.js';
import { emitZero } from './copy.js';
import {
  emitFrameCopy,
  emitGradientFrameCopy,
  emitGradientTransform,
  emitGroupImages,
  emitImageGroups,
  emitTileLoops,
  filterPanels,
  filterStride,
  fitsWinograd,
  frameOf,
  gradientFrameBytes,
  groupLimit,
  groupRows,
  imageOffset,
  inputPlacement,
  laneOps,
  SETTLE_BYTES,
  blockOffsets,
  tileIndex,
  tileOrigin,
  type Frame,
  type WinogradFilter,
} from './conv2d-winograd.js';

type Expr = binaryen.ExpressionRef;
const { i32 } = binaryen;

/** Whether dx of the conv under `g` (f filters) runs so: Winograd's conv with the GEMMs contracting f into c. */
export const fitsWinogradInputGradient = (g: ConvGeometry, f: number): boolean => fitsWinograd({ ...g, c: f }, g.c);

/** Byte sizes of the scratch's parts, in order: dx's frame, dy's frame, W [α²][slots][f], dV [α²][slots][c], then the transforms' settling and a computed filter's transform. */
function partsOf(g: ConvGeometry, f: number, limit: number): { s: Frame; dyFrameBytes: number; wBytes: number; dvBytes: number } {
  const s = frameOf(g, f, limit);
  return { s, dyFrameBytes: gradientFrameBytes(s, f), wBytes: s.mBytes, dvBytes: s.vBytes };
}

/** Scratch bytes for calls of at most `limit` images (groupLimit). */
export function winogradInputGradientScratchBytes(g: ConvGeometry, f: number, constantFilter: boolean, limit: number): number {
  const { s, dyFrameBytes, wBytes, dvBytes } = partsOf(g, f, limit);
  return s.frameBytes + dyFrameBytes + wBytes + dvBytes + SETTLE_BYTES + (constantFilter ? 0 : s.scheme.positions * filterStride(f, g.c));
}

/** Where one call reads and writes: `images` images of dy, their dx, the kernel's scratch. */
export interface InputGradientTarget {
  readonly dy: () => Expr;
  readonly dx: () => Expr;
  readonly images: Count;
  readonly scratch: () => Expr;
}

/** dx of the conv under `g` (x's c channels, `f` filters, w [3, 3, c, f]) for `t.images` images of dy. */
export function emitWinogradInputGradient(ctx: KernelContext, w: WinogradFilter['w'], g: ConvGeometry, f: number, t: InputGradientTarget): Expr {
  const { m } = ctx;
  const { s, dyFrameBytes, wBytes, dvBytes } = partsOf(g, f, groupLimit(t.images));
  const c = (v: number) => ctx.i32(v);
  const get = (l: number) => m.local.get(l, i32);
  const at = (bytes: number) => () => m.i32.add(t.scratch(), c(bytes));
  const dxFrame = t.scratch;
  const dyFrame = at(s.frameBytes);
  const wBase = at(s.frameBytes + dyFrameBytes);
  const dvBase = at(s.frameBytes + dyFrameBytes + wBytes);
  const settleAt = at(s.frameBytes + dyFrameBytes + wBytes + dvBytes);
  const u = filterPanels(ctx, s.scheme, { w, transposed: true }, f, g.c, at(s.frameBytes + dyFrameBytes + wBytes + dvBytes + SETTLE_BYTES), settleAt);
  const { load, store, sum, loads, arithmetic, lanes } = laneOps(ctx, settleAt);
  const [xi, dxImage, dyImage, dvImage] = [ctx.local(i32), ctx.local(i32), ctx.local(i32), ctx.local(i32)];

  /** W[ξ][tile][ch] = (A dy Aᵀ)[ξ], rows of the GEMMs' A; `image` in the group. */
  const transformGradient = (image: () => Expr) =>
    emitGradientTransform(ctx, s, f, dyFrame, (tile, ch) => m.i32.add(m.i32.add(wBase(), m.i32.mul(m.i32.add(m.i32.mul(image(), c(s.tiles)), tile), c(f * 4))), ch()), s.mStride, settleAt);

  /** dV[ξ] = W[ξ] x U[ξ]ᵀ for every position, over a group of `n` images' tiles. */
  const products = (n: () => Expr) =>
    forLoop(ctx, xi, c(0), () => c(s.scheme.positions), 1, [
      emitGemm(ctx, {
        m: groupRows(ctx, s, n),
        k: f,
        n: g.c,
        a: { addr: () => m.i32.add(wBase(), m.i32.mul(get(xi), c(s.mStride))), rowStride: f, colStride: 1 },
        b: { panels: () => m.i32.add(u.base(), m.i32.mul(get(xi), c(filterStride(f, g.c)))) },
        c: { addr: () => m.i32.add(dvBase(), m.i32.mul(get(xi), c(s.vStride))), rowStride: g.c, colStride: 1 },
      }),
    ]);

  /** Each tile's B dV Bᵀ (from the image's rows of dV, dvImage) added into dx's frame at its α x α patch. */
  const addPatches = emitTileLoops(ctx, s, (ty, tx) => {
    const [ch, dvAt, pAt] = [ctx.local(i32), ctx.local(i32), ctx.local(i32)];
    const body: Expr[] = [
      m.local.set(dvAt, m.i32.add(m.i32.add(get(dvImage), m.i32.mul(tileIndex(ctx, s, ty, tx), c(g.c * 4))), get(ch))),
      m.local.set(pAt, m.i32.add(m.i32.add(dxFrame(), tileOrigin(ctx, s, s.cols, g.c, ty, tx)), get(ch))),
    ];
    const sums = loads(() => get(dvAt), Array.from({ length: s.scheme.positions }, (_, p) => p * s.vStride));
    const offsets = blockOffsets(s.scheme.alpha, s.cols, g.c);
    s.scheme.patchGradientTile(sums, arithmetic(body), (value, e) => {
      const offset = offsets[e]!;
      body.push(store(offset, get(pAt), sum(load(offset, get(pAt)), value())));
    });
    return [forLoop(ctx, ch, c(0), () => c(g.c * 4), lanes * 4, body)];
  });

  return m.block(null, [
    ...u.setUp,
    // dy's frame keeps its zero border: each image writes only its interior.
    emitZero(ctx, dyFrame, dyFrameBytes),
    emitImageGroups(ctx, s, t.images, (first, n) => [
      emitGroupImages(ctx, n, (image) => [
        m.local.set(dyImage, m.i32.add(t.dy(), imageOffset(ctx, first, image, g.oh * g.ow * f * 4))),
        emitGradientFrameCopy(ctx, g, s, f, dyFrame, () => get(dyImage)),
        transformGradient(image),
      ]),
      products(n),
      emitGroupImages(ctx, n, (image) => [
        m.local.set(dxImage, m.i32.add(t.dx(), imageOffset(ctx, first, image, g.h * g.w * g.c * 4))),
        m.local.set(dvImage, m.i32.add(dvBase(), m.i32.mul(image(), c(s.tiles * g.c * 4)))),
        emitZero(ctx, dxFrame, s.frameBytes),
        addPatches,
        emitFrameCopy(ctx, inputPlacement(g, s), s.rows, dxFrame, () => get(dxImage), true),
      ]),
    ]),
  ]);
}
