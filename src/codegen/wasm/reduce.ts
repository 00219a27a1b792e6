/**
 * The loop skeleton of every kernel that works along axes: a value's elements split into lines,
 * one per index of the kept axes, each line holding the elements of the reduced axes. The kernel
 * supplies the per-line body and walks the line's elements as many times as it needs (softmax
 * three times, a sum once). The batch axis may be kept or reduced: reduced, a line spans the
 * whole batch, which a graph that is not row-local sees in one call.
 */
import binaryen from 'binaryen';
import type { Shape } from '../../ir/types.js';
import { axisGroups, type AxisGroup as Group } from '../axis-groups.js';
import { forLoop, type KernelContext } from './context.js';

type Expr = binaryen.ExpressionRef;
const { i32 } = binaryen;

/** One line, as its body sees it. */
export interface ReduceLine {
  /** Byte offset of the line's first element in a value of the reduced operand's shape. */
  readonly start: () => Expr;
  /** The line's index: the flat index of its result in the reduction's (keepdims) layout. */
  readonly index: () => Expr;
  /** How many elements the line holds (i32). */
  readonly count: () => Expr;
  /**
   * A loop over the line's elements in row-major order of the reduced axes: `body` gets the byte
   * offset of the element from the line's start, and the element's index along the line.
   */
  each(body: (offset: () => Expr, j: () => Expr) => Expr[]): Expr;
}

/**
 * Emits `body` once per line of `shape` reduced over `axes` (each normalized, batch included if
 * it is one of them). The body is code run per line; it reaches the elements through `each`.
 */
export function emitReduce(ctx: KernelContext, shape: Shape, axes: readonly number[], body: (line: ReduceLine) => Expr[]): Expr {
  const { m } = ctx;
  const all = axisGroups(shape, axes);
  const kept = all.filter((g) => !g.reduced);
  const reduced = all.filter((g) => g.reduced);
  const size = (g: Group) => (g.batch ? m.i32.mul(ctx.rows(), ctx.i32(g.size)) : ctx.i32(g.size));
  const strideBytes = (g: Group) => (g.strideBatch ? m.i32.mul(ctx.rows(), ctx.i32(g.stride * 4)) : ctx.i32(g.stride * 4));
  const get = (l: number) => () => m.local.get(l, i32);
  const count = () => reduced.reduce<Expr | null>((p, g) => (p === null ? size(g) : m.i32.mul(p, size(g))), null) ?? ctx.i32(1);

  /** Nested loops over `gs`, each advancing a byte cursor by its stride; `inner` sees the cursor. */
  const nest = (gs: readonly Group[], cursor: () => Expr, inner: (cursor: () => Expr) => Expr[]): Expr => {
    const [g, ...rest] = gs;
    if (!g) return m.block(null, inner(cursor));
    const i = ctx.local(i32);
    const at = ctx.local(i32);
    return m.block(null, [
      m.local.set(at, cursor()),
      forLoop(ctx, i, ctx.i32(0), () => size(g), 1, [nest(rest, get(at), inner), m.local.set(at, m.i32.add(get(at)(), strideBytes(g)))]),
    ]);
  };

  const index = ctx.local(i32);
  const line: (start: () => Expr) => ReduceLine = (start) => ({
    start,
    index: get(index),
    count,
    each(elementBody) {
      const j = ctx.local(i32);
      return m.block(null, [
        m.local.set(j, ctx.i32(0)),
        nest(reduced, () => ctx.i32(0), (offset) => [...elementBody(offset, get(j)), m.local.set(j, m.i32.add(get(j)(), ctx.i32(1)))]),
      ]);
    },
  });
  return m.block(null, [
    m.local.set(index, ctx.i32(0)),
    nest(kept, () => ctx.i32(0), (start) => {
      const s = ctx.local(i32);
      return [m.local.set(s, start()), ...body(line(get(s))), m.local.set(index, m.i32.add(get(index)(), ctx.i32(1)))];
    }),
  ]);
}

/** The f32 at byte address base + offset, widened to f64 (reductions accumulate in f64). */
export function loadF64(ctx: KernelContext, base: () => Expr, offset: () => Expr): Expr {
  return ctx.m.f64.promote(ctx.m.f32.load(0, 4, ctx.m.i32.add(base(), offset())));
}

/** Stores an f64 value as the f32 at byte address base + offset. */
export function storeF64(ctx: KernelContext, base: () => Expr, offset: () => Expr, value: Expr): Expr {
  return ctx.m.f32.store(0, 4, ctx.m.i32.add(base(), offset()), ctx.m.f32.demote(value));
}

/** A fresh i32 local set to `value`, read back through the returned getter. */
export function pointer(ctx: KernelContext, value: Expr): { set: Expr; get: () => Expr } {
  const l = ctx.local(i32);
  return { set: ctx.m.local.set(l, value), get: () => ctx.m.local.get(l, i32) };
}
