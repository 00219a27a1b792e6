/**
 * conv2d by Winograd's minimal filtering (winograd-scheme.ts), for 3x3 windows at stride 1 and
 * dilation 1. Each m x m block of outputs (a tile) reads an α x α patch d of x (α = m + 2); with
 * the filter g transformed once to U = G g Gᵀ and the patch to V = Bᵀ d B, the tile is
 * Aᵀ (U ⊙ V) A. Summed over channels, the α² elementwise products become α² GEMMs
 * M[ξ] = V[ξ] [tiles, c] x U[ξ] [c, f], one per position ξ of the transform: F(2x2, 3x3) takes
 * 16 multiply-adds per tile and channel pair instead of the 36 of its 4 outputs computed
 * directly, F(4x4, 3x3) 36 instead of 144 (chooseScheme picks one by the geometry). The
 * transforms are a few adds and constant multiplies per value, little next to the GEMMs, which
 * run through the one GEMM generator.
 *
 * Image by image (its patches and products stay in cache): x is copied into a zero-bordered
 * frame (no bounds checks in the transform), transformed into V, multiplied into M, and M
 * transformed back into the output with the bias, the activation and the residual. A constant
 * filter is transformed and packed at compile time; a computed one (a training step's) at the
 * start of each call, into the kernel's scratch. SIMD runs over 4 channels at a time
 * (channels-last), the scalar module over one, with the same code.
 */
import binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import type { ConvGeometry } from '../../../ir/ops/conv2d-geometry.js';
import type { ScalarExpr } from '../../../ir/scalar-expr.js';
import { constantData, forLoop, type KernelContext } from '../context.js';
import { biasAddress, constantB, emitGemm, packPanels, PANEL, panelBytes, type Count } from '../gemm.js';
import { emitScalarExpr } from '../scalar-codegen.js';
import { emitCopy, emitZero } from './copy.js';
import { F2X2, F32_ARITHMETIC, F4X4, type Arithmetic, type WinogradScheme } from './winograd-scheme.js';

type Expr = binaryen.ExpressionRef;
/** A value in a transform: the expression that reads it (a local, or a load from memory). */
type Value = () => Expr;
const { i32 } = binaryen;

/**
 * The fewest input channels taken: the GEMMs contract over c alone, and a k loop much
 * shorter than this would not pay for each register tile's set-up and stores (a rule of thumb,
 * not measured; the example's 32 channels are).
 */
const MIN_CHANNELS = 8;

/**
 * Whether a convolution runs as Winograd's: a 3x3 window, stride 1, no dilation, channels in
 * whole vectors on both sides (the same rule for the SIMD and scalar modules, which share a
 * memory plan) and enough input channels for the GEMMs.
 */
export function fitsWinograd(g: ConvGeometry, f: number): boolean {
  return g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 && g.c % 4 === 0 && f % 4 === 0 && g.c >= MIN_CHANNELS;
}

/**
 * The fewest tiles one set of GEMMs should take: an image with fewer (F(4x4)'s 3x3 tiles of an
 * 11x11 output) is grouped with the next ones, since the register tile takes 4 rows and 9 tiles
 * alone leave a quarter of the third empty, and a filter gradient contracting 9 tiles loads and
 * stores its sums for every 9 multiply-adds.
 */
const GROUP_TILES = 32;

/** Images per group for `tiles` tiles per image, at most `limit` (a call's fixed image count). */
const groupOf = (tiles: number, limit: number): number => Math.max(1, Math.min(limit, Math.ceil(GROUP_TILES / tiles)));

/**
 * The scheme for a geometry: F(4x4, 3x3) where its GEMMs take at most 0.8 of F(2x2, 3x3)'s
 * register-tile rows x positions per image (the GEMMs' work, a group's tiles counted in the
 * register tile's 4 rows), else F(2x2, 3x3). The example's second conv, 11x11 in groups: 576
 * against 324 (0.56); its pooled form, cut to 10x10 and one image at a time: 448 against 432,
 * F(2x2). F(4x4) rounds more (about 3e-6 of the output's scale against 2e-7 on 32 channels,
 * while the golden tests allow 1e-5), so it is taken only for a real saving. The decision is
 * the geometry's and the group limit's alone: the SIMD and scalar modules share one memory plan.
 */
export function chooseScheme(g: Pick<ConvGeometry, 'oh' | 'ow'>, limit = Infinity): WinogradScheme {
  const work = (s: WinogradScheme) => {
    const tiles = Math.ceil(g.oh / s.m) * Math.ceil(g.ow / s.m);
    const group = groupOf(tiles, limit);
    return (Math.ceil((group * tiles) / 4) * 4 * s.positions) / group;
  };
  return work(F4X4) <= 0.8 * work(F2X2) ? F4X4 : F2X2;
}

/** The most images a call's count allows in a group: a fixed count, else no limit. */
export const groupLimit = (count: Count | null | undefined): number => (typeof count === 'number' ? count : Infinity);

/** Where the tiles of one image lie and how big the buffers of a group of images are in scratch. */
export interface Frame {
  readonly scheme: WinogradScheme;
  /** Tiles down and across: ⌈oh / m⌉ x ⌈ow / m⌉. */
  readonly th: number;
  readonly tw: number;
  readonly tiles: number;
  /** Images whose tiles one set of GEMMs takes, and their tiles: the rows per position of V, M and the like. */
  readonly group: number;
  readonly slots: number;
  /** The zero-bordered copy of x the tiles read: (m·th + 2) x (m·tw + 2) pixels. */
  readonly rows: number;
  readonly cols: number;
  readonly frameBytes: number;
  /** V [α²][slots][c] and M [α²][slots][f]: bytes from one position to the next (positionStride), and in all. */
  readonly vStride: number;
  readonly mStride: number;
  readonly vBytes: number;
  readonly mBytes: number;
  /** Bytes from one position's packed filter to the next: filterStride(c, f). */
  readonly uStride: number;
}

/**
 * Bytes from one position's matrix to the next for `bytes` of it: an odd number of cache lines.
 * A transform reads or writes one vector of every position in turn, and a stride of a multiple
 * of 4 KB (or of 2 or 1 KB) would put those 16 or 36 streams into a few sets of the 8-way L1, as
 * the GEMM's rows 2 KB apart were (see gemm.ts). On the example's shapes the padding measured
 * equal within noise; it guards the strides other shapes give.
 */
export function positionStride(bytes: number): number {
  const lines = Math.ceil(bytes / 64);
  return (lines % 2 === 0 ? lines + 1 : lines) * 64;
}

/** Bytes from one position's packed [k, n] filter to the next. */
export const filterStride = (k: number, n: number): number => positionStride(panelBytes(k, n));

/** The frame of a convolution under `g` with f filters whose calls group at most `limit` images. */
export function frameOf(g: ConvGeometry, f: number, limit: number): Frame {
  const scheme = chooseScheme(g, limit);
  const th = Math.ceil(g.oh / scheme.m);
  const tw = Math.ceil(g.ow / scheme.m);
  const tiles = th * tw;
  const group = groupOf(tiles, limit);
  const slots = group * tiles;
  const rows = scheme.m * th + 2;
  const cols = scheme.m * tw + 2;
  const { positions } = scheme;
  const [vStride, mStride] = [positionStride(slots * g.c * 4), positionStride(slots * f * 4)];
  return { scheme, th, tw, tiles, group, slots, rows, cols, frameBytes: rows * cols * g.c * 4, vStride, mStride, vBytes: positions * vStride, mBytes: positions * mStride, uStride: filterStride(g.c, f) };
}

/** Scratch bytes of a Winograd convolution: one image's frame, a group's V and M, the transforms' settling, and room for a computed filter's transform. */
export function winogradScratchBytes(g: ConvGeometry, f: number, w: Node, limit: number): number {
  const s = frameOf(g, f, limit);
  return s.frameBytes + s.vBytes + s.mBytes + SETTLE_BYTES + (constantB(w) ? 0 : s.scheme.positions * s.uStride);
}

/** The filter [3, 3, c, f] transformed and packed: α² packed [c, f] matrices, one per position, filterStride(c, f) apart. */
export function transformFilter(scheme: WinogradScheme, w: Float32Array, c: number, f: number): Float32Array {
  const u = Array.from({ length: scheme.positions }, () => new Float32Array(c * f));
  for (let ci = 0; ci < c; ci++)
    for (let fi = 0; fi < f; fi++) {
      const g = Array.from({ length: 9 }, (_, t) => w[(t * c + ci) * f + fi]!);
      scheme.filterTile(g, F32_ARITHMETIC).forEach((v, xi) => (u[xi]![ci * f + fi] = v));
    }
  const stride = filterStride(c, f);
  const out = new Float32Array((scheme.positions * stride) / 4);
  u.forEach((matrix, xi) => out.set(packPanels(matrix, c, f), (xi * stride) / 4));
  return out;
}

/**
 * The filter of a Winograd GEMM, w [3, 3, c, f]: a conv2d's, contracting c into f, or
 * (`transposed`) its U = G g Gᵀ with the channel axes swapped, contracting f into c, as the
 * input gradient multiplies it (conv2d-winograd-input-gradient.ts).
 */
export interface WinogradFilter {
  readonly w: Node;
  readonly transposed: boolean;
}

/** A filter [3, 3, c, f] with its channel axes swapped: [3, 3, f, c]. */
export function swapChannels(w: Float32Array, c: number, f: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let tap = 0; tap < 9; tap++) for (let ci = 0; ci < c; ci++) for (let fi = 0; fi < f; fi++) out[(tap * f + fi) * c + ci] = w[(tap * c + ci) * f + fi]!;
  return out;
}

/**
 * The transformed filter's α² packed [k, n] matrices, one per position: at compile time for a
 * constant w (in the module's data), else by code at the start of each call into `scratch`.
 */
export function filterPanels(ctx: KernelContext, scheme: WinogradScheme, filter: WinogradFilter, k: number, n: number, scratch: () => Expr, settleAt: () => Expr): { readonly base: () => Expr; readonly setUp: Expr[] } {
  const { w, transposed } = filter;
  if (!constantB(w)) return { base: scratch, setUp: [emitFilterTransform(ctx, scheme, filter, k, n, scratch, filterStride(k, n), settleAt)] };
  const packed = () => {
    const data = constantData(ctx.graph, w);
    // w is [3, 3, k, n], or [3, 3, n, k] transposed.
    return transformFilter(scheme, transposed ? swapChannels(data, n, k) : data, k, n);
  };
  return { base: () => ctx.i32(ctx.constant(`winograd${scheme.m}${transposed ? 'Transposed' : ''}:${w.id}`, packed)), setUp: [] };
}

/** Where one call reads and writes: `images` images of x from `x`, their outputs from `y`, the residual likewise; `scratch` is the kernel's. */
export interface WinogradTarget {
  readonly x: () => Expr;
  readonly y: () => Expr;
  readonly images: Count;
  readonly scratch: () => Expr;
  readonly residual?: () => Expr;
}

/** The loops over an image's tiles: `body` with locals ty and tx (tile row and column) set. */
export function emitTileLoops(ctx: KernelContext, s: Frame, body: (ty: number, tx: number) => Expr[]): Expr {
  const [ty, tx] = [ctx.local(i32), ctx.local(i32)];
  return forLoop(ctx, ty, ctx.i32(0), () => ctx.i32(s.th), 1, [forLoop(ctx, tx, ctx.i32(0), () => ctx.i32(s.tw), 1, body(ty, tx))]);
}

/** The byte offset in a frame `cols` pixels wide of `channels` channels of tile (ty, tx)'s first pixel: pixel (m·ty, m·tx). */
export const tileOrigin = (ctx: KernelContext, s: Frame, cols: number, channels: number, ty: number, tx: number): Expr => {
  const { m } = ctx;
  const step = s.scheme.m;
  return m.i32.mul(m.i32.add(m.i32.mul(m.local.get(ty, i32), ctx.i32(step * cols)), m.i32.mul(m.local.get(tx, i32), ctx.i32(step))), ctx.i32(channels * 4));
};

/** Byte offsets of a k x k block's pixels, row-major, in a frame `cols` pixels wide of `channels` channels. */
export const blockOffsets = (k: number, cols: number, channels: number): number[] => Array.from({ length: k * k }, (_, e) => (Math.floor(e / k) * cols + (e % k)) * channels * 4);

/** The index of tile (ty, tx), row-major. */
export const tileIndex = (ctx: KernelContext, s: Frame, ty: number, tx: number) => ctx.m.i32.add(ctx.m.i32.mul(ctx.m.local.get(ty, i32), ctx.i32(s.tw)), ctx.m.local.get(tx, i32));

/**
 * The images of a call in groups of s.group, the last one short: `body(first, n)` with the
 * group's first image and its size in locals.
 */
export function emitImageGroups(ctx: KernelContext, s: Frame, count: Count, body: (first: () => Expr, n: () => Expr) => Expr[]): Expr {
  const { m } = ctx;
  const c = (v: number) => ctx.i32(v);
  const [group, first, n] = [ctx.local(i32), ctx.local(i32), ctx.local(i32)];
  const total = () => (typeof count === 'number' ? c(count) : count());
  const get = (l: number) => () => m.local.get(l, i32);
  const groups = typeof count === 'number' ? () => c(Math.ceil(count / s.group)) : () => m.i32.div_u(m.i32.add(count(), c(s.group - 1)), c(s.group));
  const left = () => m.i32.sub(total(), get(first)());
  return forLoop(ctx, group, c(0), groups, 1, [
    m.local.set(first, m.i32.mul(get(group)(), c(s.group))),
    m.local.set(n, s.group === 1 ? c(1) : m.select(m.i32.lt_u(left(), c(s.group)), left(), c(s.group))),
    ...body(get(first), get(n)),
  ]);
}

/** The byte offset of image `image` of the group from `first` in a value of `bytes` per image. */
export const imageOffset = (ctx: KernelContext, first: () => Expr, image: () => Expr, bytes: number): Expr => ctx.m.i32.mul(ctx.m.i32.add(first(), image()), ctx.i32(bytes));

/** `body(image)` for each of a group's `n` images, image its index in the group. */
export function emitGroupImages(ctx: KernelContext, n: () => Expr, body: (image: () => Expr) => Expr[]): Expr {
  const image = ctx.local(i32);
  return forLoop(ctx, image, ctx.i32(0), n, 1, body(() => ctx.m.local.get(image, i32)));
}

/** The GEMMs' rows for a group of `n` images: its tiles (a constant for groups of one). */
export const groupRows = (ctx: KernelContext, s: Frame, n: () => Expr): Count => (s.group === 1 ? s.tiles : () => ctx.m.i32.mul(n(), ctx.i32(s.tiles)));

/** Where an image goes in a zero-bordered frame: its size and channels, and its offset in the frame (the padding). */
export interface FramePlacement {
  readonly rows: number;
  readonly cols: number;
  readonly channels: number;
  readonly top: number;
  readonly left: number;
  /** The frame's width in pixels. */
  readonly frameCols: number;
}

/**
 * The image at `image` into `frame` at its offset, or (`fromFrame`) that part of the frame back
 * into the image; rows and columns past the frame (never read) are left out.
 */
export function emitFrameCopy(ctx: KernelContext, p: FramePlacement, frameRows: number, frame: () => Expr, image: () => Expr, fromFrame = false): Expr {
  const { m } = ctx;
  const c = (v: number) => ctx.i32(v);
  const row = ctx.local(i32);
  const pixelBytes = p.channels * 4;
  const inFrame = () => m.i32.add(frame(), m.i32.add(m.i32.mul(m.i32.add(m.local.get(row, i32), c(p.top)), c(p.frameCols * pixelBytes)), c(p.left * pixelBytes)));
  const inImage = () => m.i32.add(image(), m.i32.mul(m.local.get(row, i32), c(p.cols * pixelBytes)));
  const bytes = Math.min(p.cols, p.frameCols - p.left) * pixelBytes;
  return forLoop(ctx, row, c(0), () => c(Math.min(p.rows, frameRows - p.top)), 1, [fromFrame ? emitCopy(ctx, inImage, inFrame, bytes) : emitCopy(ctx, inFrame, inImage, bytes)]);
}

/** x's frame for the geometry: x placed at the padding's offset. */
export const inputPlacement = (g: ConvGeometry, s: Frame): FramePlacement => ({ rows: g.h, cols: g.w, channels: g.c, top: g.padTop, left: g.padLeft, frameCols: s.cols });

/** V[ξ][tile][channel] = (Bᵀ d B)[ξ] of each tile's α x α patch d of the frame, `lanes` channels at a time; `v` is the image's first tile in V. */
export function emitInputTransform(ctx: KernelContext, g: ConvGeometry, s: Frame, frame: () => Expr, v: () => Expr, settleAt: () => Expr): Expr {
  const { m } = ctx;
  const c = (n: number) => ctx.i32(n);
  const { store, loads, arithmetic, lanes } = laneOps(ctx, settleAt);
  const [ch, pAt, vAt] = [ctx.local(i32), ctx.local(i32), ctx.local(i32)];
  const get = (l: number) => m.local.get(l, i32);
  return emitTileLoops(ctx, s, (ty, tx) => {
    const body: Expr[] = [
      m.local.set(pAt, m.i32.add(m.i32.add(frame(), tileOrigin(ctx, s, s.cols, g.c, ty, tx)), get(ch))),
      m.local.set(vAt, m.i32.add(m.i32.add(v(), m.i32.mul(tileIndex(ctx, s, ty, tx), c(g.c * 4))), get(ch))),
    ];
    const d = loads(() => get(pAt), blockOffsets(s.scheme.alpha, s.cols, g.c));
    s.scheme.inputTile(d, arithmetic(body), (value, p) => body.push(store(p * s.vStride, get(vAt), value())));
    return [forLoop(ctx, ch, c(0), () => c(g.c * 4), lanes * 4, body)];
  });
}

/**
 * The convolution under `g` (x's channels g.c, `f` output channels) of `t.images` images with
 * the bias, `epilogue` and residual applied.
 */
export function emitWinogradConv(ctx: KernelContext, filter: WinogradFilter, bias: Node | undefined, g: ConvGeometry, f: number, epilogue: ScalarExpr | undefined, t: WinogradTarget): Expr {
  const { m } = ctx;
  const s = frameOf(g, f, groupLimit(t.images));
  const c = (v: number) => ctx.i32(v);
  const get = (l: number) => m.local.get(l, i32);
  const fresh = () => ctx.local(i32);
  const at = (base: () => Expr, bytes: number) => () => (bytes === 0 ? base() : m.i32.add(base(), c(bytes)));
  const frame = t.scratch;
  const vBase = at(frame, s.frameBytes);
  const mBase = at(frame, s.frameBytes + s.vBytes);
  const settleAt = at(frame, s.frameBytes + s.vBytes + s.mBytes);
  const u = filterPanels(ctx, s.scheme, filter, g.c, f, at(frame, s.frameBytes + s.vBytes + s.mBytes + SETTLE_BYTES), settleAt);
  const uBase = u.base;
  const { type, load, store, sum, loads, arithmetic, lanes } = laneOps(ctx, settleAt);
  const [xi, xImage, yImage, rImage, mImage] = [fresh(), fresh(), fresh(), fresh(), fresh()];

  /** M[ξ] = V[ξ] x U[ξ] for every position, over a group of `n` images' tiles. */
  const products = (n: () => Expr) =>
    forLoop(ctx, xi, c(0), () => c(s.scheme.positions), 1, [
      emitGemm(ctx, {
        m: groupRows(ctx, s, n),
        k: g.c,
        n: f,
        a: { addr: () => m.i32.add(vBase(), m.i32.mul(get(xi), c(s.vStride))), rowStride: g.c, colStride: 1 },
        b: { panels: () => m.i32.add(uBase(), m.i32.mul(get(xi), c(s.uStride))) },
        c: { addr: () => m.i32.add(mBase(), m.i32.mul(get(xi), c(s.mStride))), rowStride: f, colStride: 1 },
      }),
    ]);

  /** The outputs of each tile of an image from its rows of M (mImage), with the bias, the epilogue and the residual; those past the output's edge are not stored. */
  const transformOutput = emitTileLoops(ctx, s, (ty, tx) => {
    const biasAt = biasAddress(ctx, bias, f);
    const [ch, mAt, yAt] = [fresh(), fresh(), fresh()];
    const body: Expr[] = [
      m.local.set(mAt, m.i32.add(m.i32.add(get(mImage), m.i32.mul(tileIndex(ctx, s, ty, tx), c(f * 4))), get(ch))),
      m.local.set(yAt, m.i32.add(tileOrigin(ctx, s, g.ow, f, ty, tx), get(ch))),
    ];
    const sums = loads(() => get(mAt), Array.from({ length: s.scheme.positions }, (_, p) => p * s.mStride));
    const biasValue = biasAt && ctx.local(type);
    if (biasAt && biasValue !== undefined) body.push(m.local.set(biasValue, load(0, m.i32.add(biasAt(), get(ch)))));
    const offsets = blockOffsets(s.scheme.m, g.ow, f);
    const result = ctx.local(type);
    s.scheme.outputTile(sums, arithmetic(body), (output, e) => {
      const offset = offsets[e]!;
      const v = () => m.local.get(result, type);
      // The bias after the sum, as the GEMM adds it; the epilogue may read its operand twice.
      const steps: Expr[] = [m.local.set(result, biasValue === undefined ? output() : sum(output(), m.local.get(biasValue, type)))];
      let value = epilogue ? emitScalarExpr(ctx, epilogue, ctx.simd ? 'f32x4' : 'f32', v) : v();
      if (t.residual) value = sum(value, load(offset, m.i32.add(get(rImage), get(yAt))));
      steps.push(store(offset, m.i32.add(get(yImage), get(yAt)), value));
      // The last row or column of tiles may hang over the output's edge.
      const [dy, dx] = [Math.floor(e / s.scheme.m), e % s.scheme.m];
      const inside = [...(dy >= g.oh - s.scheme.m * (s.th - 1) ? [m.i32.lt_u(get(ty), c(s.th - 1))] : []), ...(dx >= g.ow - s.scheme.m * (s.tw - 1) ? [m.i32.lt_u(get(tx), c(s.tw - 1))] : [])];
      const guarded = m.block(null, steps);
      body.push(inside.length === 0 ? guarded : m.if(inside.reduce((p, q) => m.i32.and(p, q)), guarded));
    });
    return [forLoop(ctx, ch, c(0), () => c(f * 4), lanes * 4, body)];
  });

  const outImageBytes = g.oh * g.ow * f * 4;
  return m.block(null, [
    ...u.setUp,
    // The frame's border stays zero: each image writes only its interior.
    emitZero(ctx, frame, s.frameBytes),
    emitImageGroups(ctx, s, t.images, (first, n) => [
      emitGroupImages(ctx, n, (image) => [
        m.local.set(xImage, m.i32.add(t.x(), imageOffset(ctx, first, image, g.h * g.w * g.c * 4))),
        emitFrameCopy(ctx, inputPlacement(g, s), s.rows, frame, () => get(xImage)),
        emitInputTransform(ctx, g, s, frame, () => m.i32.add(vBase(), m.i32.mul(image(), c(s.tiles * g.c * 4))), settleAt),
      ]),
      products(n),
      emitGroupImages(ctx, n, (image) => [
        m.local.set(yImage, m.i32.add(t.y(), imageOffset(ctx, first, image, outImageBytes))),
        ...(t.residual ? [m.local.set(rImage, m.i32.add(t.residual(), imageOffset(ctx, first, image, outImageBytes)))] : []),
        m.local.set(mImage, m.i32.add(mBase(), m.i32.mul(image(), c(s.tiles * f * 4)))),
        transformOutput,
      ]),
    ]),
  ]);
}

/**
 * U = G g Gᵀ of a computed filter into `u` at run time, packed as transformFilter packs a
 * constant one: position ξ's [k, n] matrix (k input channels, n output channels) `stride` from
 * the last, in panels of 8 columns. A conv2d's w [3, 3, k, n] is read a vector of n at a time; a
 * transposed one's (w [3, 3, n, k]) has its n a row of k apart, gathered lane by lane.
 */
function emitFilterTransform(ctx: KernelContext, scheme: WinogradScheme, filter: WinogradFilter, k: number, n: number, u: () => Expr, stride: number, settleAt: () => Expr): Expr {
  const { m, simd } = ctx;
  const lanes = simd ? 4 : 1;
  const { type, store, arithmetic } = laneOps(ctx, settleAt);
  const c = (v: number) => ctx.i32(v);
  const [ki, ni, wAt, uAt] = [ctx.local(i32), ctx.local(i32), ctx.local(i32), ctx.local(i32)];
  const get = (l: number) => m.local.get(l, i32);
  // Element (tap, ki, ni) of the filter at wAt + tapBytes(tap) + ki·kBytes + ni·nBytes.
  const tapBytes = (tap: number) => tap * k * n * 4;
  const [kBytes, nBytes] = filter.transposed ? [4, k * 4] : [n * 4, 4];
  const body: Expr[] = [
    m.local.set(wAt, m.i32.add(ctx.addr(filter.w), m.i32.add(m.i32.mul(get(ki), c(kBytes)), m.i32.mul(get(ni), c(nBytes))))),
    m.local.set(uAt, m.i32.add(u(), panelOffset(ctx, k, get(ki), () => m.i32.mul(get(ni), c(4))))),
  ];
  const loadTap = (offset: number): Expr => {
    if (!simd) return m.f32.load(offset, 4, get(wAt));
    if (nBytes === 4) return m.v128.load(offset, 4, get(wAt));
    let vector = m.v128.load32_zero(offset, 4, get(wAt));
    for (let lane = 1; lane < 4; lane++) vector = m.v128.load32_lane(offset + lane * nBytes, 4, lane, get(wAt), vector);
    return vector;
  };
  const taps = Array.from({ length: 9 }, (_, tap): Value => {
    const l = ctx.local(type);
    body.push(m.local.set(l, loadTap(tapBytes(tap))));
    return () => m.local.get(l, type);
  });
  scheme.filterTile(taps, arithmetic(body), (value, xi) => body.push(store(xi * stride, get(uAt), value())));
  return forLoop(ctx, ki, c(0), () => c(k), 1, [forLoop(ctx, ni, c(0), () => c(n), lanes, body)]);
}

/**
 * The byte offset of element (row, column) of a matrix of `rows` rows packed into panels of 8
 * columns (packPanels' layout): panel column / 8, then the row, then column % 8. `columnBytes`
 * (the column times 4) is read twice.
 */
export function panelOffset(ctx: KernelContext, rows: number, row: Expr, columnBytes: () => Expr): Expr {
  const { m } = ctx;
  const c = (v: number) => ctx.i32(v);
  return m.i32.add(m.i32.mul(m.i32.shr_u(columnBytes(), c(5)), c(rows * PANEL * 4)), m.i32.add(m.i32.mul(row, c(PANEL * 4)), m.i32.and(columnBytes(), c(PANEL * 4 - 1))));
}

/** Bytes a transform's first pass is settled in (Arithmetic.settle): at most α² = 36 vectors. */
export const SETTLE_BYTES = 36 * 16;

/**
 * Loads, stores and arithmetic on a SIMD module's f32x4 lanes or the scalar module's f32; with
 * `settleAt` (SETTLE_BYTES of scratch), the arithmetic settles a transform's first pass there.
 */
export function laneOps(ctx: KernelContext, settleAt?: () => Expr) {
  const { m, simd } = ctx;
  const type = simd ? binaryen.v128 : binaryen.f32;
  const load = (offset: number, ptr: Expr) => (simd ? m.v128.load(offset, 4, ptr) : m.f32.load(offset, 4, ptr));
  const store = (offset: number, ptr: Expr, value: Expr) => (simd ? m.v128.store(offset, 4, ptr, value) : m.f32.store(offset, 4, ptr, value));
  const sum = (a: Expr, b: Expr) => (simd ? m.f32x4.add(a, b) : m.f32.add(a, b));
  /** The values at `offsets` from `ptr`, each loaded where it is used (see sandwich in winograd-scheme.ts). */
  const loads = (ptr: () => Expr, offsets: number[]): Value[] => offsets.map((offset) => () => load(offset, ptr()));
  /** Wasm arithmetic whose every step goes to a fresh local, appended to `out` (a value is read by several later steps). */
  const arithmetic = (out: Expr[]): Arithmetic<Value> => {
    const step = (value: Expr): Value => {
      const l = ctx.local(type);
      out.push(m.local.set(l, value));
      return () => m.local.get(l, type);
    };
    const v = (a: Value) => a();
    // Constants as splats, not loads from the pool: V8 would place a load with the block's other loads.
    const ops: Arithmetic<Value> = simd
      ? {
          add: (a, b) => step(m.f32x4.add(v(a), v(b))),
          sub: (a, b) => step(m.f32x4.sub(v(a), v(b))),
          neg: (a) => step(m.f32x4.neg(v(a))),
          scale: (a, k) => step(m.f32x4.mul(v(a), m.f32x4.splat(m.f32.const(Math.fround(k))))),
        }
      : { add: (a, b) => step(m.f32.add(v(a), v(b))), sub: (a, b) => step(m.f32.sub(v(a), v(b))), neg: (a) => step(m.f32.neg(v(a))), scale: (a, k) => step(m.f32.mul(v(a), m.f32.const(Math.fround(k)))) };
    // A column's (or row's) values loaded once each into locals, right before the arithmetic that reads them.
    const hold = (values: Value[]): Value[] => values.map((value) => step(value()));
    if (!settleAt) return { ...ops, hold };
    let settled = 0;
    const settle = (values: Value[]): Value[] =>
      values.map((value) => {
        const offset = settled++ * (simd ? 16 : 4);
        out.push(store(offset, settleAt(), value()));
        return () => load(offset, settleAt());
      });
    return { ...ops, hold, settle };
  };
  return { type, lanes: simd ? 4 : 1, load, store, sum, loads, arithmetic };
}

/** Bytes of dy's zero-bordered frame: m·th x m·tw pixels of f channels, so that a tile over the edge reads zeros. */
export const gradientFrameBytes = (s: Frame, f: number): number => s.scheme.m * s.th * s.scheme.m * s.tw * f * 4;

/** One image of dy [oh, ow, f] at `image` into its frame. */
export function emitGradientFrameCopy(ctx: KernelContext, g: ConvGeometry, s: Frame, f: number, frame: () => Expr, image: () => Expr): Expr {
  return emitFrameCopy(ctx, { rows: g.oh, cols: g.ow, channels: f, top: 0, left: 0, frameCols: s.scheme.m * s.tw }, s.scheme.m * s.th, frame, image);
}

/**
 * (A dy Aᵀ)[ξ] of each tile's m x m block of dy's frame, `lanes` channels at a time: position ξ
 * of the tile's channels (ch counts bytes) at `dest(tile, ch)` + ξ · positionBytes.
 */
export function emitGradientTransform(ctx: KernelContext, s: Frame, f: number, frame: () => Expr, dest: (tile: Expr, ch: () => Expr) => Expr, positionBytes: number, settleAt: () => Expr): Expr {
  const { m } = ctx;
  const c = (v: number) => ctx.i32(v);
  const get = (l: number) => m.local.get(l, i32);
  const { store, loads, arithmetic, lanes } = laneOps(ctx, settleAt);
  const dyCols = s.scheme.m * s.tw;
  return emitTileLoops(ctx, s, (ty, tx) => {
    const [ch, dAt, wAt] = [ctx.local(i32), ctx.local(i32), ctx.local(i32)];
    const body: Expr[] = [
      m.local.set(dAt, m.i32.add(m.i32.add(frame(), tileOrigin(ctx, s, dyCols, f, ty, tx)), get(ch))),
      m.local.set(wAt, dest(tileIndex(ctx, s, ty, tx), () => get(ch))),
    ];
    const block = loads(() => get(dAt), blockOffsets(s.scheme.m, dyCols, f));
    s.scheme.gradientTile(block, arithmetic(body), (value, p) => body.push(store(p * positionBytes, get(wAt), value())));
    return [forLoop(ctx, ch, c(0), () => c(f * 4), lanes * 4, body)];
  });
}
