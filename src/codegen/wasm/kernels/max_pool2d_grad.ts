import binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import { poolGeometry, windowsDisjoint, windowsTile } from '../../../ir/ops/pool-helpers.js';
import { NncError } from '../../../errors.js';
import { poolGradientEpilogue } from '../../../ir/ops/max_pool2d_grad.js';
import { printScalar, type ScalarExpr } from '../../../ir/scalar-expr.js';
import type { KernelContext } from '../context.js';
import { emitScalarExpr } from '../scalar-codegen.js';
import { emitZero, valueBytes } from './copy.js';
import type { WasmKernel } from './kernel.js';
import { emitPoolWindows, type WindowBlock } from './pool-windows.js';

type Expr = binaryen.ExpressionRef;

/**
 * Each dy goes to the first maximum of its window in x: the first cell wins the empty slot, a
 * later one only by being strictly greater (so ties keep the first, and a NaN wins only as the
 * first cell). A first walk over the window finds the winner (four channels at a time with SIMD,
 * each lane its own winner: the cell's byte offset), starting from the first cell; a second
 * gives each cell its share. Windows
 * that share cells (stride < pool) add into dx, zeroed first; disjoint ones store dy or 0 into
 * each of their cells, so dx is zeroed only where no window reaches (a remainder row or column).
 * An epilogue (only on windows that tile x, where every cell is stored once: see the fuse pass)
 * applies to each cell's share with the cell's x as it is stored.
 */
export const maxPool2dGradKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const g = poolGeometry(node.inputs[0]!.type, node.attrs);
    const epilogue = poolGradientEpilogue(node.attrs);
    const tiles = windowsTile(g);
    if (epilogue && !tiles) throw new NncError('NNC4001', `max_pool2d_grad: an epilogue (${printScalar(epilogue)}) on windows that do not tile x`);
    const route: Route = { disjoint: windowsDisjoint(g), epilogue };
    return m.block(null, [
      // Tiling windows are disjoint and store every cell.
      ...(tiles ? [] : [emitZero(ctx, () => ctx.addr(node), () => valueBytes(ctx, node))]),
      emitPoolWindows(ctx, g, true, (w) => (w.lanes.width !== 4 ? scalarWindow(ctx, node, w, route) : route.disjoint && w.unrolled ? unrolledVectorWindow(ctx, node, w, w.unrolled, route) : vectorWindow(ctx, node, w, route))),
    ]);
  },
};

/** How shares reach dx: stored per cell (disjoint windows) or added at the winner; the epilogue applied to stored ones. */
interface Route {
  readonly disjoint: boolean;
  readonly epilogue: ScalarExpr | undefined;
}

function scalarWindow(ctx: KernelContext, node: Node, { out, first, cells }: WindowBlock, route: Route): Expr[] {
  const { m } = ctx;
  const [x, dy] = [node.inputs[0]!, node.inputs[1]!];
  const [best, bestAt, grad] = [ctx.local(binaryen.f32), ctx.local(binaryen.i32), ctx.local(binaryen.f32)];
  const bestValue = () => m.local.get(best, binaryen.f32);
  const winner = () => m.local.get(bestAt, binaryen.i32);
  const dx = (at: () => Expr) => m.i32.add(ctx.addr(node), at());
  const xAt = (at: () => Expr) => m.f32.load(0, 4, m.i32.add(ctx.addr(x), at()));
  const stored = (at: () => Expr) => {
    const share = () => m.select(m.i32.eq(winner(), at()), m.local.get(grad, binaryen.f32), m.f32.const(0));
    return route.epilogue ? emitScalarExpr(ctx, route.epilogue, 'f32', (i) => (i === 0 ? xAt(at) : share())) : share();
  };
  return [
    m.local.set(bestAt, first()),
    m.local.set(best, xAt(first)),
    cells((at) => [m.if(m.f32.gt(xAt(at), bestValue()), m.block(null, [m.local.set(best, xAt(at)), m.local.set(bestAt, at())]))]),
    m.local.set(grad, m.f32.load(0, 4, m.i32.add(ctx.addr(dy), out()))),
    route.disjoint
      ? cells((at) => [m.f32.store(0, 4, dx(at), stored(at))])
      : m.f32.store(0, 4, dx(winner), m.f32.add(m.f32.load(0, 4, dx(winner)), m.local.get(grad, binaryen.f32))),
  ];
}

/**
 * A disjoint window walked unrolled, in one pass and in registers: the running maximum and, per
 * cell, whether it is greater than every cell before it; a cell wins when it is and no later
 * one is (the first cell when none is), so no cell's offset is tracked and x is read once.
 */
function unrolledVectorWindow(ctx: KernelContext, node: Node, { lanes, out }: WindowBlock, { setUp, cells }: NonNullable<WindowBlock['unrolled']>, route: Route): Expr[] {
  const { m } = ctx;
  const { v128 } = binaryen;
  const [x, dy] = [node.inputs[0]!, node.inputs[1]!];
  const get = (l: number) => m.local.get(l, v128);
  const [best, grad, later] = [ctx.local(v128), ctx.local(v128), ctx.local(v128)];
  const values = cells.map(() => ctx.local(v128));
  const greater = cells.map(() => ctx.local(v128));
  const body: Expr[] = [setUp()];
  cells.forEach((at, k) => {
    body.push(m.local.set(values[k]!, m.v128.load(0, 4, m.i32.add(ctx.addr(x), at()))));
    if (k === 0) body.push(m.local.set(best, get(values[0]!)));
    else body.push(m.local.set(greater[k]!, m.f32x4.gt(get(values[k]!), get(best))), m.local.set(best, lanes.greater(() => get(best), () => get(values[k]!))));
  });
  body.push(m.local.set(grad, m.v128.load(0, 4, m.i32.add(ctx.addr(dy), out()))), m.local.set(later, m.v128.const(new Array<number>(16).fill(0))));
  for (let k = cells.length - 1; k >= 0; k--) {
    const wins = k === 0 ? m.v128.not(get(later)) : m.v128.andnot(get(greater[k]!), get(later));
    const share = () => m.v128.and(get(grad), wins);
    const value = route.epilogue ? emitScalarExpr(ctx, route.epilogue, 'f32x4', (i) => (i === 0 ? get(values[k]!) : share())) : share();
    body.push(m.v128.store(0, 4, m.i32.add(ctx.addr(node), cells[k]!()), value));
    if (k > 0) body.push(m.local.set(later, m.v128.or(get(later), get(greater[k]!))));
  }
  return body;
}

function vectorWindow(ctx: KernelContext, node: Node, { lanes, out, first, cells }: WindowBlock, route: Route): Expr[] {
  const { m } = ctx;
  const { v128 } = binaryen;
  const [x, dy] = [node.inputs[0]!, node.inputs[1]!];
  const [best, bestAt, grad] = [ctx.local(v128), ctx.local(v128), ctx.local(v128)];
  const get = (l: number) => m.local.get(l, v128);
  const xAt = (at: () => Expr) => m.v128.load(0, 4, m.i32.add(ctx.addr(x), at()));
  const cell = ctx.local(v128);
  return [
    m.local.set(bestAt, m.i32x4.splat(first())),
    m.local.set(best, xAt(first)),
    // The first cell again changes nothing: it is not greater than itself.
    cells((at) => [
      m.local.set(cell, xAt(at)),
      m.local.set(bestAt, m.v128.bitselect(m.i32x4.splat(at()), get(bestAt), m.f32x4.gt(get(cell), get(best)))),
      m.local.set(best, lanes.greater(() => get(best), () => get(cell))),
    ]),
    m.local.set(grad, m.v128.load(0, 4, m.i32.add(ctx.addr(dy), out()))),
    cells((at) => {
      const dx = () => m.i32.add(ctx.addr(node), at());
      const share = () => m.v128.and(get(grad), m.i32x4.eq(get(bestAt), m.i32x4.splat(at())));
      if (!route.disjoint) return [m.v128.store(0, 4, dx(), m.f32x4.add(m.v128.load(0, 4, dx()), share()))];
      return [m.v128.store(0, 4, dx(), route.epilogue ? emitScalarExpr(ctx, route.epilogue, 'f32x4', (i) => (i === 0 ? xAt(at) : share())) : share())];
    }),
  ];
}
