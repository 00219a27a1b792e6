/**
 * conv2d by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, 2015), for 3x3 windows at
 * stride 1 and dilation 1. Each 2x2 block of outputs (a tile) reads a 4x4 patch d of x; with
 * the filter g transformed once to U = G g Gᵀ and the patch to V = Bᵀ d B (4x4 each), the tile is
 * Aᵀ (U ⊙ V) A. Summed over channels, the 16 elementwise products become 16 GEMMs
 * M[ξ] = V[ξ] [tiles, c] x U[ξ] [c, f], one per position ξ of the 4x4 transform: 16 multiply-adds
 * per tile and channel pair instead of the 36 of 4 outputs computed directly, 2.25x fewer (minus
 * the tiles that hang over an odd edge). The transforms only add and halve, so they cost little
 * next to the GEMMs, which run through the one GEMM generator.
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

type Expr = binaryen.ExpressionRef;
const { i32 } = binaryen;

/** Positions of the 4x4 transforms, ξ = row · 4 + column. */
export const POSITIONS = 16;
/**
 * The fewest input channels taken: the 16 GEMMs contract over c alone, and a k loop much
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

/** Add, subtract and halve over some kind of value: JS numbers rounded to f32, or wasm locals. */
export interface Arithmetic<T> {
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  half(a: T): T;
}

/** U = G g Gᵀ for a 3x3 filter g (row-major): 16 values, ξ = row · 4 + column. */
export function filterTile<T>(g: readonly T[], o: Arithmetic<T>): T[] {
  // Rows of G: [1, 0, 0], [½, ½, ½], [½, -½, ½], [0, 0, 1].
  const side = (a: T, b: T, c: T): T[] => [a, o.half(o.add(o.add(a, b), c)), o.half(o.add(o.sub(a, b), c)), c];
  const cols = [0, 1, 2].map((j) => side(g[j]!, g[3 + j]!, g[6 + j]!));
  return [0, 1, 2, 3].flatMap((r) => side(cols[0]![r]!, cols[1]![r]!, cols[2]![r]!));
}

/** V = Bᵀ d B for a 4x4 patch d (row-major). */
export function inputTile<T>(d: readonly T[], o: Arithmetic<T>): T[] {
  // Rows of Bᵀ: [1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1].
  const side = (a: T, b: T, c: T, e: T): T[] => [o.sub(a, c), o.add(b, c), o.sub(c, b), o.sub(b, e)];
  const cols = [0, 1, 2, 3].map((j) => side(d[j]!, d[4 + j]!, d[8 + j]!, d[12 + j]!));
  return [0, 1, 2, 3].flatMap((r) => side(cols[0]![r]!, cols[1]![r]!, cols[2]![r]!, cols[3]![r]!));
}

/** Y = Aᵀ m A for a 4x4 product m (row-major): the tile's 2x2 outputs, row-major. */
export function outputTile<T>(m: readonly T[], o: Arithmetic<T>): T[] {
  // Rows of Aᵀ: [1, 1, 1, 0], [0, 1, -1, -1].
  const side = (a: T, b: T, c: T, e: T): T[] => [o.add(o.add(a, b), c), o.sub(o.sub(b, c), e)];
  const cols = [0, 1, 2, 3].map((j) => side(m[j]!, m[4 + j]!, m[8 + j]!, m[12 + j]!));
  return [0, 1].flatMap((r) => side(cols[0]![r]!, cols[1]![r]!, cols[2]![r]!, cols[3]![r]!));
}

/** f32 arithmetic on JS numbers: each step rounded as wasm rounds it. */
export const F32_ARITHMETIC: Arithmetic<number> = {
  add: (a, b) => Math.fround(a + b),
  sub: (a, b) => Math.fround(a - b),
  half: (a) => Math.fround(a * 0.5),
};

/** Where the tiles of one image lie and how big its buffers in scratch are. */
export interface Frame {
  /** Tiles down and across: ⌈oh / 2⌉ x ⌈ow / 2⌉. */
  readonly th: number;
  readonly tw: number;
  readonly tiles: number;
  /** The zero-bordered copy of x the tiles read: (2·th + 2) x (2·tw + 2) pixels. */
  readonly rows: number;
  readonly cols: number;
  readonly frameBytes: number;
  /** V [16][tiles][c] and M [16][tiles][f]. */
  readonly vBytes: number;
  readonly mBytes: number;
  /** One position's packed filter, panelBytes(c, f). */
  readonly uBytes: number;
}

export function frameOf(g: ConvGeometry, f: number): Frame {
  const th = Math.ceil(g.oh / 2);
  const tw = Math.ceil(g.ow / 2);
  const tiles = th * tw;
  const rows = 2 * th + 2;
  const cols = 2 * tw + 2;
  return { th, tw, tiles, rows, cols, frameBytes: rows * cols * g.c * 4, vBytes: POSITIONS * tiles * g.c * 4, mBytes: POSITIONS * tiles * f * 4, uBytes: panelBytes(g.c, f) };
}

/** Scratch bytes of a Winograd convolution: one image's frame, V and M, and room for a computed filter's transform. */
export function winogradScratchBytes(g: ConvGeometry, f: number, w: Node): number {
  const s = frameOf(g, f);
  return s.frameBytes + s.vBytes + s.mBytes + (constantB(w) ? 0 : POSITIONS * s.uBytes);
}

/** The filter [3, 3, c, f] transformed and packed: 16 packed [c, f] matrices, one per position. */
export function transformFilter(w: Float32Array, c: number, f: number): Float32Array {
  const u = Array.from({ length: POSITIONS }, () => new Float32Array(c * f));
  for (let ci = 0; ci < c; ci++)
    for (let fi = 0; fi < f; fi++) {
      const g = Array.from({ length: 9 }, (_, t) => w[(t * c + ci) * f + fi]!);
      filterTile(g, F32_ARITHMETIC).forEach((v, xi) => (u[xi]![ci * f + fi] = v));
    }
  const out = new Float32Array(POSITIONS * panelBytes(c, f) / 4);
  u.forEach((matrix, xi) => out.set(packPanels(matrix, c, f), (xi * panelBytes(c, f)) / 4));
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
 * The transformed filter's 16 packed [k, n] matrices, one per position: at compile time for a
 * constant w (in the module's data), else by code at the start of each call into `scratch`.
 */
export function filterPanels(ctx: KernelContext, filter: WinogradFilter, k: number, n: number, scratch: () => Expr): { readonly base: () => Expr; readonly setUp: Expr[] } {
  const { w, transposed } = filter;
  if (!constantB(w)) return { base: scratch, setUp: [emitFilterTransform(ctx, filter, k, n, scratch, panelBytes(k, n))] };
  const packed = () => {
    const data = constantData(ctx.graph, w);
    // w is [3, 3, k, n], or [3, 3, n, k] transposed.
    return transformFilter(transposed ? swapChannels(data, n, k) : data, k, n);
  };
  return { base: () => ctx.i32(ctx.constant(`winograd${transposed ? 'Transposed' : ''}:${w.id}`, packed)), setUp: [] };
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

/** The index of tile (ty, tx), row-major. */
export const tileIndex = (ctx: KernelContext, s: Frame, ty: number, tx: number) => ctx.m.i32.add(ctx.m.i32.mul(ctx.m.local.get(ty, i32), ctx.i32(s.tw)), ctx.m.local.get(tx, i32));

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

/** V[ξ][tile][channel] = (Bᵀ d B)[ξ] of each tile's 4x4 patch d of the frame, `lanes` channels at a time. */
export function emitInputTransform(ctx: KernelContext, g: ConvGeometry, s: Frame, frame: () => Expr, v: () => Expr): Expr {
  const { m } = ctx;
  const c = (n: number) => ctx.i32(n);
  const { type, store, loads, arithmetic, lanes } = laneOps(ctx);
  const [ch, pAt, vAt] = [ctx.local(i32), ctx.local(i32), ctx.local(i32)];
  const get = (l: number) => m.local.get(l, i32);
  return emitTileLoops(ctx, s, (ty, tx) => {
    const body: Expr[] = [
      m.local.set(pAt, m.i32.add(m.i32.add(frame(), m.i32.mul(m.i32.add(m.i32.mul(get(ty), c(2 * s.cols)), m.i32.mul(get(tx), c(2))), c(g.c * 4))), get(ch))),
      m.local.set(vAt, m.i32.add(m.i32.add(v(), m.i32.mul(tileIndex(ctx, s, ty, tx), c(g.c * 4))), get(ch))),
    ];
    const d = loads(body, () => get(pAt), Array.from({ length: 16 }, (_, e) => ((e >> 2) * s.cols + (e & 3)) * g.c * 4));
    inputTile(d, arithmetic(body)).forEach((l, p) => body.push(store(p * s.tiles * g.c * 4, get(vAt), m.local.get(l, type))));
    return [forLoop(ctx, ch, c(0), () => c(g.c * 4), lanes * 4, body)];
  });
}

/**
 * The convolution under `g` (x's channels g.c, `f` output channels) of `t.images` images with
 * the bias, `epilogue` and residual applied.
 */
export function emitWinogradConv(ctx: KernelContext, filter: WinogradFilter, bias: Node | undefined, g: ConvGeometry, f: number, epilogue: ScalarExpr | undefined, t: WinogradTarget): Expr {
  const { m } = ctx;
  const s = frameOf(g, f);
  const c = (v: number) => ctx.i32(v);
  const get = (l: number) => m.local.get(l, i32);
  const fresh = () => ctx.local(i32);
  const at = (base: () => Expr, bytes: number) => () => (bytes === 0 ? base() : m.i32.add(base(), c(bytes)));
  const frame = t.scratch;
  const vBase = at(frame, s.frameBytes);
  const mBase = at(frame, s.frameBytes + s.vBytes);
  const u = filterPanels(ctx, filter, g.c, f, at(frame, s.frameBytes + s.vBytes + s.mBytes));
  const uBase = u.base;
  const { type, load, store, sum, loads, arithmetic, lanes } = laneOps(ctx);
  const [img, xi, xImage, yImage, rImage] = [fresh(), fresh(), fresh(), fresh(), fresh()];

  /** M[ξ] = V[ξ] x U[ξ] for the 16 positions. */
  const products = forLoop(ctx, xi, c(0), () => c(POSITIONS), 1, [
    emitGemm(ctx, {
      m: s.tiles,
      k: g.c,
      n: f,
      a: { addr: () => m.i32.add(vBase(), m.i32.mul(get(xi), c(s.tiles * g.c * 4))), rowStride: g.c, colStride: 1 },
      b: { panels: () => m.i32.add(uBase(), m.i32.mul(get(xi), c(s.uBytes))) },
      c: { addr: () => m.i32.add(mBase(), m.i32.mul(get(xi), c(s.tiles * f * 4))), rowStride: f, colStride: 1 },
    }),
  ]);

  /** The outputs of each tile from M, with the bias, the epilogue and the residual; the outputs past an odd edge are not stored. */
  const transformOutput = emitTileLoops(ctx, s, (ty, tx) => {
    const biasAt = biasAddress(ctx, bias, f);
    const [ch, mAt, yAt] = [fresh(), fresh(), fresh()];
    const body: Expr[] = [
      m.local.set(mAt, m.i32.add(m.i32.add(mBase(), m.i32.mul(tileIndex(ctx, s, ty, tx), c(f * 4))), get(ch))),
      m.local.set(yAt, m.i32.add(m.i32.mul(m.i32.add(m.i32.mul(get(ty), c(2 * g.ow)), m.i32.mul(get(tx), c(2))), c(f * 4)), get(ch))),
    ];
    const sums = loads(body, () => get(mAt), Array.from({ length: 16 }, (_, p) => p * s.tiles * f * 4));
    const outputs = outputTile(sums, arithmetic(body));
    const biasValue = biasAt && ctx.local(type);
    if (biasAt && biasValue !== undefined) body.push(m.local.set(biasValue, load(0, m.i32.add(biasAt(), get(ch)))));
    outputs.forEach((l, e) => {
      const [dy, dx] = [e >> 1, e & 1];
      const offset = (dy * g.ow + dx) * f * 4;
      const v = () => m.local.get(l, type);
      const steps: Expr[] = [];
      // The bias after the sum, as the GEMM adds it; the epilogue may read its operand twice.
      if (biasValue !== undefined) steps.push(m.local.set(l, sum(v(), m.local.get(biasValue, type))));
      let value = epilogue ? emitScalarExpr(ctx, epilogue, ctx.simd ? 'f32x4' : 'f32', v) : v();
      if (t.residual) value = sum(value, load(offset, m.i32.add(get(rImage), get(yAt))));
      steps.push(store(offset, m.i32.add(get(yImage), get(yAt)), value));
      // An odd edge: the last tile's second row or column lies outside the output.
      const inside = [...(dy === 1 && g.oh % 2 === 1 ? [m.i32.lt_u(get(ty), c(s.th - 1))] : []), ...(dx === 1 && g.ow % 2 === 1 ? [m.i32.lt_u(get(tx), c(s.tw - 1))] : [])];
      const guarded = m.block(null, steps);
      body.push(inside.length === 0 ? guarded : m.if(inside.reduce((p, q) => m.i32.and(p, q)), guarded));
    });
    return [forLoop(ctx, ch, c(0), () => c(f * 4), lanes * 4, body)];
  });

  const count = t.images;
  const outImageBytes = g.oh * g.ow * f * 4;
  return m.block(null, [
    ...u.setUp,
    // The frame's border stays zero: each image writes only its interior.
    emitZero(ctx, frame, s.frameBytes),
    forLoop(ctx, img, c(0), typeof count === 'number' ? () => c(count) : count, 1, [
      m.local.set(xImage, m.i32.add(t.x(), m.i32.mul(get(img), c(g.h * g.w * g.c * 4)))),
      m.local.set(yImage, m.i32.add(t.y(), m.i32.mul(get(img), c(outImageBytes)))),
      ...(t.residual ? [m.local.set(rImage, m.i32.add(t.residual(), m.i32.mul(get(img), c(outImageBytes))))] : []),
      emitFrameCopy(ctx, inputPlacement(g, s), s.rows, frame, () => get(xImage)),
      emitInputTransform(ctx, g, s, frame, vBase),
      products,
      transformOutput,
    ]),
  ]);
}

/**
 * U = G g Gᵀ of a computed filter into `u` at run time, packed as transformFilter packs a
 * constant one: position ξ's [k, n] matrix (k input channels, n output channels) `uBytes` from
 * the last, in panels of 8 columns. A conv2d's w [3, 3, k, n] is read a vector of n at a time; a
 * transposed one's (w [3, 3, n, k]) has its n a row of k apart, gathered lane by lane.
 */
function emitFilterTransform(ctx: KernelContext, filter: WinogradFilter, k: number, n: number, u: () => Expr, uBytes: number): Expr {
  const { m, simd } = ctx;
  const lanes = simd ? 4 : 1;
  const { type, store, arithmetic } = laneOps(ctx);
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
  const taps = Array.from({ length: 9 }, (_, tap) => {
    const l = ctx.local(type);
    body.push(m.local.set(l, loadTap(tapBytes(tap))));
    return l;
  });
  filterTile(taps, arithmetic(body)).forEach((l, xi) => body.push(store(xi * uBytes, get(uAt), m.local.get(l, type))));
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

/** Loads, stores and arithmetic on a SIMD module's f32x4 lanes or the scalar module's f32. */
export function laneOps(ctx: KernelContext) {
  const { m, simd } = ctx;
  const type = simd ? binaryen.v128 : binaryen.f32;
  const load = (offset: number, ptr: Expr) => (simd ? m.v128.load(offset, 4, ptr) : m.f32.load(offset, 4, ptr));
  const store = (offset: number, ptr: Expr, value: Expr) => (simd ? m.v128.store(offset, 4, ptr, value) : m.f32.store(offset, 4, ptr, value));
  const sum = (a: Expr, b: Expr) => (simd ? m.f32x4.add(a, b) : m.f32.add(a, b));
  /** Loads `offsets` from `ptr` into locals, appended to `out`. */
  const loads = (out: Expr[], ptr: () => Expr, offsets: number[]) =>
    offsets.map((offset) => {
      const l = ctx.local(type);
      out.push(m.local.set(l, load(offset, ptr())));
      return l;
    });
  /** Wasm arithmetic whose every step goes to a fresh local, appended to `out` (a value is read by several later steps). */
  const arithmetic = (out: Expr[]): Arithmetic<number> => {
    const step = (value: Expr) => {
      const l = ctx.local(type);
      out.push(m.local.set(l, value));
      return l;
    };
    const v = (l: number) => m.local.get(l, type);
    return simd
      ? { add: (a, b) => step(m.f32x4.add(v(a), v(b))), sub: (a, b) => step(m.f32x4.sub(v(a), v(b))), half: (a) => step(m.f32x4.mul(v(a), ctx.vectorConstant('f32', 0.5))) }
      : { add: (a, b) => step(m.f32.add(v(a), v(b))), sub: (a, b) => step(m.f32.sub(v(a), v(b))), half: (a) => step(m.f32.mul(v(a), m.f32.const(0.5))) };
  };
  return { type, lanes: simd ? 4 : 1, load, store, sum, loads, arithmetic };
}

/** Bytes of dy's zero-bordered frame: 2·th x 2·tw pixels of f channels, so that a tile over an odd edge reads zeros. */
export const gradientFrameBytes = (s: Frame, f: number): number => 4 * s.th * s.tw * f * 4;

/** One image of dy [oh, ow, f] at `image` into its frame. */
export function emitGradientFrameCopy(ctx: KernelContext, g: ConvGeometry, s: Frame, f: number, frame: () => Expr, image: () => Expr): Expr {
  return emitFrameCopy(ctx, { rows: g.oh, cols: g.ow, channels: f, top: 0, left: 0, frameCols: 2 * s.tw }, 2 * s.th, frame, image);
}

/**
 * (A dy Aᵀ)[ξ] (gradientTile's signs) of each tile's 2x2 block of dy's frame, `lanes` channels
 * at a time: position ξ of the tile's channels (ch counts bytes) at `dest(tile, ch)` + ξ · positionBytes.
 */
export function emitGradientTransform(ctx: KernelContext, s: Frame, f: number, frame: () => Expr, dest: (tile: Expr, ch: () => Expr) => Expr, positionBytes: number): Expr {
  const { m } = ctx;
  const c = (v: number) => ctx.i32(v);
  const get = (l: number) => m.local.get(l, i32);
  const { type, store, loads, arithmetic, lanes } = laneOps(ctx);
  const dyCols = 2 * s.tw;
  return emitTileLoops(ctx, s, (ty, tx) => {
    const [ch, dAt, wAt] = [ctx.local(i32), ctx.local(i32), ctx.local(i32)];
    const body: Expr[] = [
      m.local.set(dAt, m.i32.add(m.i32.add(frame(), m.i32.mul(m.i32.add(m.i32.mul(get(ty), c(2 * dyCols)), m.i32.mul(get(tx), c(2))), c(f * 4))), get(ch))),
      m.local.set(wAt, dest(tileIndex(ctx, s, ty, tx), () => get(ch))),
    ];
    const block = loads(body, () => get(dAt), [0, 1, dyCols, dyCols + 1].map((pixel) => pixel * f * 4));
    gradientTile(block, arithmetic(body)).forEach((l, p) => body.push(store(p * positionBytes, get(wAt), m.local.get(l, type))));
    return [forLoop(ctx, ch, c(0), () => c(f * 4), lanes * 4, body)];
  });
}

/**
 * The filter gradient's transform of a 2x2 tile of dy: A dy Aᵀ (A = (Aᵀ)ᵀ, 4x2), with the sign
 * of A's last row, [0, -1], moved into filterGradientTile (which subtracts that row and column).
 */
export function gradientTile<T>(dy: readonly T[], o: Arithmetic<T>): T[] {
  const side = (a: T, b: T): T[] => [a, o.add(a, b), o.sub(a, b), b];
  const cols = [0, 1].map((j) => side(dy[j]!, dy[2 + j]!));
  return [0, 1, 2, 3].flatMap((r) => side(cols[0]![r]!, cols[1]![r]!));
}

/**
 * The 3x3 filter gradient from the 4x4 sum p of (Bᵀ d B) ⊙ (A dy Aᵀ) over tiles: Gᵀ p G, with
 * Gᵀ's last column negated for gradientTile's sign. The gradient of y = Aᵀ[(G g) ⊙ (Bᵀ d)] by
 * g is Gᵀ[(Bᵀ d) ⊙ (A dy)]: the same patches, the roles of A and G exchanged.
 */
export function filterGradientTile<T>(p: readonly T[], o: Arithmetic<T>): T[] {
  // Rows of Gᵀ: [1, ½, ½, 0], [0, ½, -½, 0], [0, ½, ½, 1].
  const side = (a: T, b: T, c: T, e: T): T[] => {
    const half = o.half(o.add(b, c));
    return [o.add(a, half), o.half(o.sub(b, c)), o.sub(half, e)];
  };
  const cols = [0, 1, 2, 3].map((j) => side(p[j]!, p[4 + j]!, p[8 + j]!, p[12 + j]!));
  return [0, 1, 2].flatMap((r) => side(cols[0]![r]!, cols[1]![r]!, cols[2]![r]!, cols[3]![r]!));
}
