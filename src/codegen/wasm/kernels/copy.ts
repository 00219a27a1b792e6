import binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import { forLoop, type KernelContext } from '../context.js';
import type { WasmKernel } from './kernel.js';

type Expr = binaryen.ExpressionRef;

/** The longest static copy written out as straight-line loads and stores instead of a loop. */
const UNROLL_BYTES = 64;

/**
 * A loop over `bytes` (a multiple of 4), 16 bytes a step with SIMD, then 4; `step(at, wide)`
 * emits the work at byte offset `at`. A short static size is straight-line code (a first
 * convolution's im2col copies 12 bytes per window row, where a loop's set-up would cost more
 * than the copy). Plain loads and stores keep the module free of the bulk-memory feature.
 */
function byteLoop(ctx: KernelContext, bytes: number | (() => Expr), step: (at: () => Expr, wide: boolean) => Expr): Expr {
  const { m } = ctx;
  if (typeof bytes === 'number' && bytes <= UNROLL_BYTES) {
    const steps: Expr[] = [];
    const wide = ctx.simd ? bytes - (bytes % 16) : 0;
    for (let at = 0; at < bytes; at += at < wide ? 16 : 4) steps.push(step(() => ctx.i32(at), at < wide));
    return m.block(null, steps);
  }
  const end = typeof bytes === 'number' ? () => ctx.i32(bytes) : bytes;
  const i = ctx.local(binaryen.i32);
  const at = () => m.local.get(i, binaryen.i32);
  const words = forLoop(ctx, i, ctx.simd ? at() : ctx.i32(0), end, 4, [step(at, false)]);
  if (!ctx.simd) return words;
  return m.block(null, [forLoop(ctx, i, ctx.i32(0), end, 16, [step(at, true)]), words]);
}

/** Copies `bytes` (static, or an i32 expression) from `src` to `dst` (non-overlapping). */
export function emitCopy(ctx: KernelContext, dst: () => Expr, src: () => Expr, bytes: number | (() => Expr)): Expr {
  const { m } = ctx;
  return byteLoop(ctx, bytes, (at, wide) => {
    const [to, from] = [m.i32.add(dst(), at()), m.i32.add(src(), at())];
    return wide ? m.v128.store(0, 4, to, m.v128.load(0, 4, from)) : m.i32.store(0, 4, to, m.i32.load(0, 4, from));
  });
}

/** Zeroes `bytes` at `dst`. */
export function emitZero(ctx: KernelContext, dst: () => Expr, bytes: number | (() => Expr)): Expr {
  const { m } = ctx;
  return byteLoop(ctx, bytes, (at, wide) => (wide ? m.v128.store(0, 4, m.i32.add(dst(), at()), m.v128.const(new Array<number>(16).fill(0))) : m.i32.store(0, 4, m.i32.add(dst(), at()), ctx.i32(0))));
}

/** Bytes of a value for this call's rows (its whole size when it has no batch axis). */
export function valueBytes(ctx: KernelContext, node: Node): Expr {
  const perRow = node.type.shape.reduce<number>((p, d) => p * (d ?? 1), 4);
  return node.type.shape.includes(null) ? ctx.m.i32.mul(ctx.rows(), ctx.i32(perRow)) : ctx.i32(perRow);
}

/** Count of index tuples of the axes before `axis` (batch rows included) for this call. */
export function outerCount(ctx: KernelContext, node: Node, axis: number): Expr {
  const shape = node.type.shape.slice(0, axis);
  const fixed = shape.reduce<number>((p, d) => p * (d ?? 1), 1);
  return shape.includes(null) ? ctx.m.i32.mul(ctx.rows(), ctx.i32(fixed)) : ctx.i32(fixed);
}

/**
 * For each of `count` blocks: copies `chunk` bytes from src + o * srcStride + srcOffset to
 * dst + o * dstStride + dstOffset. Slicing and padding along an axis are this loop.
 */
export function emitBlockCopies(
  ctx: KernelContext,
  count: () => Expr,
  chunk: number,
  src: { base: () => Expr; stride: number; offset: number },
  dst: { base: () => Expr; stride: number; offset: number },
): Expr {
  const { m } = ctx;
  const [o, s, d] = [ctx.local(binaryen.i32), ctx.local(binaryen.i32), ctx.local(binaryen.i32)];
  const get = (l: number) => () => m.local.get(l, binaryen.i32);
  const advance = (l: number, by: number) => m.local.set(l, m.i32.add(m.local.get(l, binaryen.i32), ctx.i32(by)));
  return m.block(null, [
    m.local.set(s, m.i32.add(src.base(), ctx.i32(src.offset))),
    m.local.set(d, m.i32.add(dst.base(), ctx.i32(dst.offset))),
    forLoop(ctx, o, ctx.i32(0), count, 1, [emitCopy(ctx, get(d), get(s), chunk), advance(s, src.stride), advance(d, dst.stride)]),
  ]);
}

/** A kernel that copies operand 0 into the node's own slot (ops that pass their operand through). */
export const copyKernel: WasmKernel = {
  emit: (ctx, node) => emitCopy(ctx, () => ctx.addr(node), () => ctx.addr(node.inputs[0]!), () => valueBytes(ctx, node)),
};
