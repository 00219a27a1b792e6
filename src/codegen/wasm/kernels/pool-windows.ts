/**
 * The loop skeleton of the 2-D pooling kernels and their gradients. Channels-last puts the C
 * values of a pixel side by side, so each output pixel's channels are walked 4 at a time as
 * f32x4 (with SIMD) and then one at a time; per channel block the kernel body loops over the
 * real cells of the window (padding cells are clipped away, never read).
 */
import binaryen from 'binaryen';
import type { PoolGeometry } from '../../../ir/ops/pool-helpers.js';
import { forLoop, type KernelContext } from '../context.js';

type Expr = binaryen.ExpressionRef;
const { i32 } = binaryen;

/** f32 arithmetic on one lane or four, so one kernel body serves the vector loop and its tail. */
export interface Lanes {
  readonly width: 1 | 4;
  readonly type: binaryen.Type;
  load(addr: Expr): Expr;
  store(addr: Expr, value: Expr): Expr;
  add(a: Expr, b: Expr): Expr;
  sub(a: Expr, b: Expr): Expr;
  mul(a: Expr, b: Expr): Expr;
  /**
   * `b` where it is greater than `a`, else `a`: max pooling's step, which keeps the first of equal
   * cells (−0 before +0) and takes a NaN only as the first (the reference's rule, and the one the
   * gradient routes dy by). One `f32x4.pmax` (maxps), where `f32x4.max` costs V8 8 instructions.
   */
  greater(a: () => Expr, b: () => Expr): Expr;
  div(a: Expr, b: Expr): Expr;
  /** A scalar f32 expression in every lane. */
  splat(value: Expr): Expr;
}

export function lanes(m: binaryen.Module, width: 1 | 4): Lanes {
  if (width === 1)
    return {
      width,
      type: binaryen.f32,
      load: (a) => m.f32.load(0, 4, a),
      store: (a, v) => m.f32.store(0, 4, a, v),
      add: (a, b) => m.f32.add(a, b),
      sub: (a, b) => m.f32.sub(a, b),
      mul: (a, b) => m.f32.mul(a, b),
      greater: (a, b) => m.select(m.f32.gt(b(), a()), b(), a()),
      div: (a, b) => m.f32.div(a, b),
      splat: (v) => v,
    };
  return {
    width,
    type: binaryen.v128,
    load: (a) => m.v128.load(0, 4, a),
    store: (a, v) => m.v128.store(0, 4, a, v),
    add: (a, b) => m.f32x4.add(a, b),
    sub: (a, b) => m.f32x4.sub(a, b),
    mul: (a, b) => m.f32x4.mul(a, b),
    greater: (a, b) => m.f32x4.pmax(a(), b()),
    div: (a, b) => m.f32x4.div(a, b),
    splat: (v) => m.f32x4.splat(v),
  };
}

/** One block of channels of one output pixel, as the kernel body sees it. */
export interface WindowBlock {
  readonly lanes: Lanes;
  /** Byte offset of the block's first element in a value of the pooled shape. */
  readonly out: () => Expr;
  /** The number of real cells in the window (i32). */
  readonly count: () => Expr;
  /** The byte offset of the window's first real cell in a value of x's shape. */
  readonly first: () => Expr;
  /** A loop over the window's real cells, row-major; `body` gets the cell's byte offset in a value of x's shape. */
  cells(body: (at: () => Expr) => Expr[]): Expr;
  /** Windows walked unrolled (all inside x): `setUp` then each cell's byte offset, row-major, as constant steps from the window's corner. */
  readonly unrolled?: { readonly setUp: () => Expr; readonly cells: readonly (() => Expr)[] };
}

/** Windows of at most this many cells whose cells are all inside x get their cell loop unrolled. */
const UNROLLED_CELLS = 16;

/** Whether every window lies inside x (no padding, none past an edge): its cells are then at fixed offsets from its corner. */
const windowsInside = (g: PoolGeometry): boolean =>
  g.padTop === 0 && g.padLeft === 0 && (g.outH - 1) * g.strideH + g.poolH <= g.inH && (g.outW - 1) * g.strideW + g.poolW <= g.inW;

/**
 * Emits `block` for every output pixel (batch rows × outH × outW) and block of its channels:
 * 4-wide then 1-wide when `vector` (and SIMD is on), else 1-wide only. Windows all inside x
 * (a 'valid' pooling) of up to UNROLLED_CELLS cells walk them unrolled, at constant offsets.
 */
export function emitPoolWindows(ctx: KernelContext, g: PoolGeometry, vector: boolean, block: (w: WindowBlock) => Expr[]): Expr {
  const { m } = ctx;
  const fresh = () => ctx.local(i32);
  const [n, oh, ow, h0, h1, w0, w1, image, pixel, c] = [fresh(), fresh(), fresh(), fresh(), fresh(), fresh(), fresh(), fresh(), fresh(), fresh()];
  const get = (l: number) => () => m.local.get(l, i32);
  const set = (l: number, v: Expr) => m.local.set(l, v);
  const k = (v: number) => ctx.i32(v);
  const C = g.channels;
  /** first = max(start, 0) and end = min(start + pool, size) of one window axis. */
  const clip = (first: number, end: number, at: number, stride: number, pad: number, pool: number, size: number): Expr[] => {
    const start = m.i32.sub(m.i32.mul(m.local.get(at, i32), k(stride)), k(pad));
    return [
      set(first, start),
      set(end, m.i32.add(get(first)(), k(pool))),
      set(first, m.select(m.i32.lt_s(get(first)(), k(0)), k(0), get(first)())),
      set(end, m.select(m.i32.gt_s(get(end)(), k(size)), k(size), get(end)())),
    ];
  };
  /** Byte offset in x of cell (h, w), channel c of the current image: image + ((h * W + w) * C + c) * 4. */
  const cellAt = (h: Expr, w: Expr) => m.i32.add(get(image)(), m.i32.mul(m.i32.add(m.i32.mul(m.i32.add(m.i32.mul(h, k(g.inW)), w), k(C)), get(c)()), k(4)));
  const unrolled = windowsInside(g) && g.poolH * g.poolW <= UNROLLED_CELLS;
  const corner = unrolled ? ctx.local(i32) : -1;
  const fixed = unrolled
    ? {
        setUp: () => m.local.set(corner, cellAt(get(h0)(), get(w0)())),
        cells: Array.from({ length: g.poolH * g.poolW }, (_, e) => () => m.i32.add(m.local.get(corner, i32), k((Math.floor(e / g.poolW) * g.inW + (e % g.poolW)) * C * 4))),
      }
    : undefined;
  const windowBlock = (width: 1 | 4): Expr[] =>
    block({
      lanes: lanes(m, width),
      out: () => m.i32.add(get(pixel)(), m.i32.mul(get(c)(), k(4))),
      count: unrolled ? () => k(g.poolH * g.poolW) : () => m.i32.mul(m.i32.sub(get(h1)(), get(h0)()), m.i32.sub(get(w1)(), get(w0)())),
      first: () => cellAt(get(h0)(), get(w0)()),
      cells(body) {
        if (fixed) return m.block(null, [fixed.setUp(), ...fixed.cells.flatMap((at) => body(at))]);
        const [h, w] = [ctx.local(i32), ctx.local(i32)];
        return forLoop(ctx, h, get(h0)(), get(h1), 1, [forLoop(ctx, w, get(w0)(), get(w1), 1, body(() => cellAt(get(h)(), get(w)())))]);
      },
      ...(fixed ? { unrolled: fixed } : {}),
    });
  const channels =
    vector && ctx.simd
      ? [forLoop(ctx, c, k(0), () => k(C), 4, windowBlock(4)), forLoop(ctx, c, get(c)(), () => k(C), 1, windowBlock(1))]
      : [forLoop(ctx, c, k(0), () => k(C), 1, windowBlock(1))];
  const images = g.batch === null ? () => ctx.rows() : () => k(g.batch as number);
  return m.block(null, [
    set(pixel, k(0)),
    forLoop(ctx, n, k(0), images, 1, [
      set(image, m.i32.mul(get(n)(), k(g.inH * g.inW * C * 4))),
      forLoop(ctx, oh, k(0), () => k(g.outH), 1, [
        ...clip(h0, h1, oh, g.strideH, g.padTop, g.poolH, g.inH),
        forLoop(ctx, ow, k(0), () => k(g.outW), 1, [...clip(w0, w1, ow, g.strideW, g.padLeft, g.poolW, g.inW), ...channels, set(pixel, m.i32.add(get(pixel)(), k(C * 4)))]),
      ]),
    ]),
  ]);
}

/**
 * A pooling of `kind` (the op's `pooling` trait) from x at `src` into the pooled value at `dst`:
 * max takes the largest real cell, avg the sum of the real cells divided by their count.
 */
export function emitPool(ctx: KernelContext, kind: 'max' | 'avg', g: PoolGeometry, src: () => Expr, dst: () => Expr): Expr {
  const { m } = ctx;
  return emitPoolWindows(ctx, g, true, ({ lanes, out, count, first, cells }) => {
    const [acc, cell] = [ctx.local(lanes.type), ctx.local(lanes.type)];
    const get = (l: number) => () => m.local.get(l, lanes.type);
    const load = (at: Expr) => lanes.load(m.i32.add(src(), at));
    // Max starts from the first cell (taking it again in the loop changes nothing).
    const start = kind === 'max' ? load(first()) : lanes.splat(m.f32.const(0));
    const step = (at: () => Expr) =>
      kind === 'max' ? [m.local.set(cell, load(at())), m.local.set(acc, lanes.greater(get(acc), get(cell)))] : [m.local.set(acc, lanes.add(get(acc)(), load(at())))];
    const result = kind === 'max' ? get(acc)() : lanes.div(get(acc)(), lanes.splat(m.f32.convert_s.i32(count())));
    return [m.local.set(acc, start), cells(step), lanes.store(m.i32.add(dst(), out()), result)];
  });
}
