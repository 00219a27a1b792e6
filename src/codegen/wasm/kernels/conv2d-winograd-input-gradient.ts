/**
 * dx of a 3x3 stride-1 conv by Winograd's F(2x2, 3x3) run backwards over the forward's own
 * tiles. The forward makes each tile y = Aᵀ[Σ_c U_c ⊙ (Bᵀ d_c B)]A from its 4x4 patch d of x;
 * the gradient of that by d_c is B[Σ_f U[c, f] ⊙ (A dy_f Aᵀ)]Bᵀ. Image by image: dy into a
 * zero-bordered frame and transformed (as the filter gradient transforms it) into
 * W[ξ] [tiles, f]; 16 GEMMs dV[ξ] [tiles, c] = W[ξ] x U[ξ]ᵀ; each tile's B dV Bᵀ added into
 * x's frame at its patch (neighbouring patches overlap by two pixels); the frame's interior is
 * dx. The convolution of padded dy with the turned filter would multiply tiles of dx instead:
 * for a valid conv of 13x13 to 11x11, 49 tiles against the forward's 36.
 */
import binaryen from 'binaryen';
import type { ConvGeometry } from '../../../ir/ops/conv2d-geometry.js';
import { forLoop, type KernelContext } from '../context.js';
import { emitGemm, panelBytes, type Count } from '../gemm.js';
import { emitZero } from './copy.js';
import {
  emitFrameCopy,
  emitGradientFrameCopy,
  emitGradientTransform,
  emitTileLoops,
  filterPanels,
  fitsWinograd,
  frameOf,
  gradientFrameBytes,
  inputPlacement,
  laneOps,
  POSITIONS,
  tileIndex,
  type Arithmetic,
  type Frame,
  type WinogradFilter,
} from './conv2d-winograd.js';

type Expr = binaryen.ExpressionRef;
const { i32 } = binaryen;

/** Whether dx of the conv under `g` (f filters) runs so: Winograd's conv with the GEMMs contracting f into c. */
export const fitsWinogradInputGradient = (g: ConvGeometry, f: number): boolean => fitsWinograd({ ...g, c: f }, g.c);

/** Byte sizes of the scratch's parts, in order: dx's frame, dy's frame, W [16][tiles][f], dV [16][tiles][c], then a computed filter's transform. */
function partsOf(g: ConvGeometry, f: number): { s: Frame; dyFrameBytes: number; wBytes: number; dvBytes: number } {
  const s = frameOf(g, f);
  return { s, dyFrameBytes: gradientFrameBytes(s, f), wBytes: s.mBytes, dvBytes: s.vBytes };
}

export function winogradInputGradientScratchBytes(g: ConvGeometry, f: number, constantFilter: boolean): number {
  const { s, dyFrameBytes, wBytes, dvBytes } = partsOf(g, f);
  return s.frameBytes + dyFrameBytes + wBytes + dvBytes + (constantFilter ? 0 : POSITIONS * panelBytes(f, g.c));
}

/**
 * The patch gradient B m Bᵀ of a tile's 16 sums m (row-major), for m made from gradientTile's
 * transform of dy, whose row and column 3 carry the opposite sign.
 */
export function patchGradientTile<T>(m: readonly T[], o: Arithmetic<T>): T[] {
  // Columns of Bᵀ: [1, 0, 0, 0], [0, 1, -1, 1], [-1, 1, 1, 0], [0, 0, 0, -1]; the last value negated.
  const side = (a: T, b: T, c: T, e: T): T[] => [a, o.sub(o.sub(b, c), e), o.sub(o.add(b, c), a), e];
  const cols = [0, 1, 2, 3].map((j) => side(m[j]!, m[4 + j]!, m[8 + j]!, m[12 + j]!));
  return [0, 1, 2, 3].flatMap((r) => side(cols[0]![r]!, cols[1]![r]!, cols[2]![r]!, cols[3]![r]!));
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
  const { s, dyFrameBytes, wBytes, dvBytes } = partsOf(g, f);
  const c = (v: number) => ctx.i32(v);
  const get = (l: number) => m.local.get(l, i32);
  const at = (bytes: number) => () => m.i32.add(t.scratch(), c(bytes));
  const dxFrame = t.scratch;
  const dyFrame = at(s.frameBytes);
  const wBase = at(s.frameBytes + dyFrameBytes);
  const dvBase = at(s.frameBytes + dyFrameBytes + wBytes);
  const u = filterPanels(ctx, { w, transposed: true }, f, g.c, at(s.frameBytes + dyFrameBytes + wBytes + dvBytes));
  const { type, load, store, sum, loads, arithmetic, lanes } = laneOps(ctx);
  const [img, xi, dxImage, dyImage] = [ctx.local(i32), ctx.local(i32), ctx.local(i32), ctx.local(i32)];

  /** W[ξ][tile][ch] = (A dy Aᵀ)[ξ], rows of the GEMMs' A. */
  const transformGradient = emitGradientTransform(ctx, s, f, dyFrame, (tile, ch) => m.i32.add(m.i32.add(wBase(), m.i32.mul(tile, c(f * 4))), ch()), s.tiles * f * 4);

  /** dV[ξ] = W[ξ] x U[ξ]ᵀ for the 16 positions. */
  const products = forLoop(ctx, xi, c(0), () => c(POSITIONS), 1, [
    emitGemm(ctx, {
      m: s.tiles,
      k: f,
      n: g.c,
      a: { addr: () => m.i32.add(wBase(), m.i32.mul(get(xi), c(s.tiles * f * 4))), rowStride: f, colStride: 1 },
      b: { panels: () => m.i32.add(u.base(), m.i32.mul(get(xi), c(panelBytes(f, g.c)))) },
      c: { addr: () => m.i32.add(dvBase(), m.i32.mul(get(xi), c(s.tiles * g.c * 4))), rowStride: g.c, colStride: 1 },
    }),
  ]);

  /** Each tile's B dV Bᵀ added into dx's frame at its 4x4 patch. */
  const addPatches = emitTileLoops(ctx, s, (ty, tx) => {
    const [ch, dvAt, pAt] = [ctx.local(i32), ctx.local(i32), ctx.local(i32)];
    const body: Expr[] = [
      m.local.set(dvAt, m.i32.add(m.i32.add(dvBase(), m.i32.mul(tileIndex(ctx, s, ty, tx), c(g.c * 4))), get(ch))),
      m.local.set(pAt, m.i32.add(m.i32.add(dxFrame(), m.i32.mul(m.i32.add(m.i32.mul(get(ty), c(2 * s.cols)), m.i32.mul(get(tx), c(2))), c(g.c * 4))), get(ch))),
    ];
    const sums = loads(body, () => get(dvAt), Array.from({ length: POSITIONS }, (_, p) => p * s.tiles * g.c * 4));
    patchGradientTile(sums, arithmetic(body)).forEach((l, e) => {
      const offset = ((e >> 2) * s.cols + (e & 3)) * g.c * 4;
      body.push(store(offset, get(pAt), sum(load(offset, get(pAt)), m.local.get(l, type))));
    });
    return [forLoop(ctx, ch, c(0), () => c(g.c * 4), lanes * 4, body)];
  });

  const count = t.images;
  return m.block(null, [
    ...u.setUp,
    // dy's frame keeps its zero border: each image writes only its interior.
    emitZero(ctx, dyFrame, dyFrameBytes),
    forLoop(ctx, img, c(0), typeof count === 'number' ? () => c(count) : count, 1, [
      m.local.set(dxImage, m.i32.add(t.dx(), m.i32.mul(get(img), c(g.h * g.w * g.c * 4)))),
      m.local.set(dyImage, m.i32.add(t.dy(), m.i32.mul(get(img), c(g.oh * g.ow * f * 4)))),
      emitGradientFrameCopy(ctx, g, s, f, dyFrame, () => get(dyImage)),
      transformGradient,
      products,
      emitZero(ctx, dxFrame, s.frameBytes),
      addPatches,
      emitFrameCopy(ctx, inputPlacement(g, s), s.rows, dxFrame, () => get(dxImage), true),
    ]),
  ]);
}
