import binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import { CONV_ATTRS, convGeometry, isPointwise, type ConvGeometry } from '../../../ir/ops/conv2d-geometry.js';
import type { AffineBytes } from '../../../passes/memory-plan-types.js';
import { forLoop, type KernelContext } from '../context.js';
import type { Count } from '../gemm.js';
import { emitCopy, emitZero } from './copy.js';

type Expr = binaryen.ExpressionRef;

/** The geometry of a conv op's x (any of the three ops) under its kh x kw window. */
export function nodeGeometry(x: Node, kh: number, kw: number, node: Node): ConvGeometry {
  const attrs = Object.fromEntries(Object.keys(CONV_ATTRS).map((k) => [k, node.attrs[k]!]));
  return convGeometry(x.type.shape, kh, kw, attrs);
}

/** Images in this call: the batch rows, or x's fixed first axis. */
export function images(ctx: KernelContext, x: Node): Count {
  const n = x.type.shape[0];
  return n === null || n === undefined ? () => ctx.rows() : n;
}

/** Output pixels in this call, the GEMM's m: images · oh · ow. */
export function pixels(ctx: KernelContext, x: Node, g: ConvGeometry): Count {
  const n = images(ctx, x);
  const per = g.oh * g.ow;
  return typeof n === 'number' ? n * per : () => ctx.m.i32.mul(n(), ctx.i32(per));
}

const countExpr = (ctx: KernelContext, c: Count): Expr => (typeof c === 'number' ? ctx.i32(c) : c());

/** Kernel scratch for the patch matrix [pixels, kh·kw·c]; none for a 1x1 stride-1 conv (x is it). */
export function patchScratch(x: Node, g: ConvGeometry): AffineBytes {
  if (isPointwise(g)) return { fixedBytes: 0, bytesPerRow: 0 };
  const bytes = g.oh * g.ow * g.k * 4;
  const n = x.type.shape[0];
  return n === null || n === undefined ? { fixedBytes: 0, bytesPerRow: bytes } : { fixedBytes: n * bytes, bytesPerRow: 0 };
}

/**
 * The loops of forEachTap (src/ir/ops/conv2d-geometry.ts) in wasm: for each output pixel p and
 * window tap (i, j), `body(inside, xAt, colAt)` with the byte addresses of x[n, iy, ix, 0] and
 * of the patch matrix's (p, (i·kw + j)·c), and whether the tap lies inside x. With `row` (and
 * no horizontal dilation), a window row whose kw taps all lie inside x is one call
 * `row(xAt, colAt)` at its first tap instead: its kw·c values are contiguous on both sides.
 */
function emitTaps(
  ctx: KernelContext,
  x: Node,
  g: ConvGeometry,
  xBase: () => Expr,
  total: Count,
  colBase: () => Expr,
  body: (inside: Expr, xAt: () => Expr, colAt: () => Expr) => Expr,
  row?: (xAt: () => Expr, colAt: () => Expr) => Expr,
): Expr {
  const { m } = ctx;
  const [p, i, j, oy, ox, n, iy, ix, xa, ca] = Array.from({ length: 10 }, () => ctx.local(binaryen.i32));
  const get = (l: number) => m.local.get(l, binaryen.i32);
  const c = (v: number) => ctx.i32(v);
  const per = g.oh * g.ow;
  /** ix, and the two addresses, of tap `tap` of the current window row. */
  const tapAt = (tap: () => Expr): Expr[] => [
    m.local.set(ix!, m.i32.add(m.i32.mul(get(ox!), c(g.sw)), m.i32.sub(m.i32.mul(tap(), c(g.dw)), c(g.padLeft)))),
    // ((n·h + iy)·w + ix)·c·4; computed even outside x, where the body does not read it.
    m.local.set(xa!, m.i32.add(xBase(), m.i32.mul(m.i32.add(m.i32.mul(m.i32.add(m.i32.mul(get(n!), c(g.h)), get(iy!)), c(g.w)), get(ix!)), c(g.c * 4)))),
    m.local.set(ca!, m.i32.add(colBase(), m.i32.mul(m.i32.add(m.i32.mul(get(p!), c(g.kh * g.kw)), m.i32.add(m.i32.mul(get(i!), c(g.kw)), tap())), c(g.c * 4)))),
  ];
  const taps = forLoop(ctx, j!, c(0), () => c(g.kw), 1, [
    ...tapAt(() => get(j!)),
    // Unsigned compares reject negative coordinates too.
    body(m.i32.and(m.i32.lt_u(get(iy!), c(g.h)), m.i32.lt_u(get(ix!), c(g.w))), () => get(xa!), () => get(ca!)),
  ]);
  const windowRow =
    row && g.dw === 1
      ? [
          ...tapAt(() => c(0)),
          m.if(
            m.i32.and(m.i32.lt_u(get(iy!), c(g.h)), m.i32.and(m.i32.lt_u(get(ix!), c(g.w)), m.i32.lt_u(m.i32.add(get(ix!), c(g.kw - 1)), c(g.w)))),
            row(() => get(xa!), () => get(ca!)),
            taps,
          ),
        ]
      : [taps];
  return forLoop(ctx, p!, c(0), () => countExpr(ctx, total), 1, [
    m.local.set(n!, m.i32.div_u(get(p!), c(per))),
    m.local.set(oy!, m.i32.div_u(m.i32.rem_u(get(p!), c(per)), c(g.ow))),
    m.local.set(ox!, m.i32.rem_u(get(p!), c(g.ow))),
    forLoop(ctx, i!, c(0), () => c(g.kh), 1, [
      m.local.set(iy!, m.i32.add(m.i32.mul(get(oy!), c(g.sh)), m.i32.sub(m.i32.mul(get(i!), c(g.dh)), c(g.padTop)))),
      ...windowRow,
    ]),
  ]);
}

/** Which images im2col reads: from `base` (x's first image, or one image of it), `pixels` output pixels. */
export interface PatchSource {
  readonly base: () => Expr;
  readonly pixels: Count;
}

/**
 * Fills the patch matrix at `col` from x (every image of the call, or `source`'s): each tap's c
 * channels, zeros where it falls in the padding; a window row inside x is one copy of kw·c
 * values (for a first layer's c = 1, one copy instead of kw copies of one value).
 */
export function emitIm2col(ctx: KernelContext, x: Node, g: ConvGeometry, col: () => Expr, source: PatchSource = { base: () => ctx.addr(x), pixels: pixels(ctx, x, g) }): Expr {
  const bytes = g.c * 4;
  const rowBytes = g.kw * g.c * 4;
  return emitTaps(
    ctx,
    x,
    g,
    source.base,
    source.pixels,
    col,
    (inside, xAt, colAt) => ctx.m.if(inside, emitCopy(ctx, colAt, xAt, bytes), emitZero(ctx, colAt, bytes)),
    (xAt, colAt) => emitCopy(ctx, colAt, xAt, rowBytes),
  );
}

/** Zeroes dx, then adds each patch column at `col` into the pixel it was read from (im2col's adjoint). */
export function emitCol2im(ctx: KernelContext, dx: Node, g: ConvGeometry, col: () => Expr, zero: Expr): Expr {
  const { m } = ctx;
  const t = ctx.local(binaryen.i32);
  const at = (base: () => Expr) => m.i32.add(base(), m.local.get(t, binaryen.i32));
  const add = (xAt: () => Expr, colAt: () => Expr) =>
    forLoop(ctx, t, ctx.i32(0), () => ctx.i32(g.c * 4), 4, [m.f32.store(0, 4, at(xAt), m.f32.add(m.f32.load(0, 4, at(xAt)), m.f32.load(0, 4, at(colAt))))]);
  return m.block(null, [zero, emitTaps(ctx, dx, g, () => ctx.addr(dx), pixels(ctx, dx, g), col, (inside, xAt, colAt) => m.if(inside, add(xAt, colAt)))]);
}
