import binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import { normalizeAxis } from '../../../ir/ops/softmax.js';
import { forLoop, type KernelContext } from '../context.js';
import { emitCopy, emitZero, outerCount, valueBytes } from './copy.js';
import type { WasmKernel } from './kernel.js';

type Expr = binaryen.ExpressionRef;

/** Elements of a value for this call's rows (its whole count without a batch axis). */
const elements = (ctx: KernelContext, node: Node): Expr => ctx.m.i32.shr_u(valueBytes(ctx, node), ctx.i32(2));

/**
 * The loops gather and its gradient share: for each outer position o (the axes before `axis`,
 * batch rows included) and each index j, `visit` gets the wrapped index k (a negative index
 * counts from the end) and whether it lies inside the axis, with o and j in locals.
 */
function eachIndex(ctx: KernelContext, outer: () => Expr, indices: Node, extent: number, visit: (o: () => Expr, j: () => Expr, k: () => Expr) => { inside: Expr; outside?: Expr }): Expr {
  const { m } = ctx;
  const [o, j, k] = [ctx.local(binaryen.i32), ctx.local(binaryen.i32), ctx.local(binaryen.i32)];
  const get = (l: number) => () => m.local.get(l, binaryen.i32);
  const { inside, outside } = visit(get(o), get(j), get(k));
  return forLoop(ctx, o, ctx.i32(0), outer, 1, [
    forLoop(ctx, j, ctx.i32(0), () => elements(ctx, indices), 1, [
      m.local.set(k, m.i32.load(0, 4, m.i32.add(ctx.addr(indices), m.i32.shl(get(j)(), ctx.i32(2))))),
      m.if(m.i32.lt_s(get(k)(), ctx.i32(0)), m.local.set(k, m.i32.add(get(k)(), ctx.i32(extent)))),
      // One unsigned compare: a still-negative k is a huge unsigned number.
      outside ? m.if(m.i32.lt_u(get(k)(), ctx.i32(extent)), inside, outside) : m.if(m.i32.lt_u(get(k)(), ctx.i32(extent)), inside),
    ]),
  ]);
}

/** The axis, its extent, and the bytes of one block (the axes after it) of gather's data. */
function geometry(data: readonly (number | null)[], axisAttr: unknown) {
  const axis = normalizeAxis(Number(axisAttr), data.length);
  return { axis, extent: data[axis] as number, block: (data.slice(axis + 1) as number[]).reduce((p, d) => p * d, 4) };
}

/** Block j of the result is block indices[j] of the data (zeros for an index outside the axis). */
export const gatherKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const [data, indices] = node.inputs as [Node, Node];
    const { axis, extent, block } = geometry(data.type.shape, node.attrs.axis);
    const count = () => elements(ctx, indices);
    return eachIndex(ctx, () => outerCount(ctx, node, axis), indices, extent, (o, j, k) => {
      const dst = () => m.i32.add(ctx.addr(node), m.i32.mul(m.i32.add(m.i32.mul(o(), count()), j()), ctx.i32(block)));
      const src = () => m.i32.add(ctx.addr(data), m.i32.mul(m.i32.add(m.i32.mul(o(), ctx.i32(extent)), k()), ctx.i32(block)));
      return { inside: emitCopy(ctx, dst, src, () => ctx.i32(block)), outside: emitZero(ctx, dst, () => ctx.i32(block)) };
    });
  },
};

/** Zeros, then each block of g added at the block its index names (indices outside the axis add nothing). */
export const gatherGradKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const [g, indices] = node.inputs as [Node, Node];
    const { axis, extent, block } = geometry(node.type.shape, node.attrs.axis);
    const count = () => elements(ctx, indices);
    const e = ctx.local(binaryen.i32);
    const scatter = eachIndex(ctx, () => outerCount(ctx, node, axis), indices, extent, (o, j, k) => {
      const dst = () => m.i32.add(m.i32.add(ctx.addr(node), m.i32.mul(m.i32.add(m.i32.mul(o(), ctx.i32(extent)), k()), ctx.i32(block))), m.local.get(e, binaryen.i32));
      const src = () => m.i32.add(m.i32.add(ctx.addr(g), m.i32.mul(m.i32.add(m.i32.mul(o(), count()), j()), ctx.i32(block))), m.local.get(e, binaryen.i32));
      return { inside: forLoop(ctx, e, ctx.i32(0), () => ctx.i32(block), 4, [m.f32.store(0, 4, dst(), m.f32.add(m.f32.load(0, 4, dst()), m.f32.load(0, 4, src())))]) };
    });
    return m.block(null, [emitZero(ctx, () => ctx.addr(node), () => valueBytes(ctx, node)), scatter]);
  },
};
