import binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import type { Dim, Shape } from '../../../ir/types.js';
import { forLoop, type KernelContext } from '../context.js';

type Expr = binaryen.ExpressionRef;
const { i32 } = binaryen;

/**
 * numpy matmul with a computed right operand (a graph input or any computed value), straight
 * loops rather than the packed GEMM: for every matrix of the broadcast leading axes, every row of
 * a and every column of b, one dot product along k. Without a transposed b the columns go four
 * at a time in SIMD128 (a[r, i] splat times b[i, j..j+3]). A 1-D a is one row, a 1-D b one
 * column. `bTransposed`: b is stored [n, k] (matmul_nt). Any dimension may be the batch axis;
 * it is read from the call's rows.
 */
export function emitBatchedMatmul(ctx: KernelContext, a: Node, b: Node, out: Node, bTransposed = false): Expr {
  const { m } = ctx;
  const aShape = a.type.shape;
  const bShape = b.type.shape;
  const a2: Shape = aShape.length === 1 ? [1, aShape[0]!] : aShape;
  const b2: Shape = bShape.length === 1 ? [bShape[0]!, 1] : bShape;
  const M = a2[a2.length - 2]!;
  const K = a2[a2.length - 1]!;
  const N = bTransposed ? b2[b2.length - 2]! : b2[b2.length - 1]!;
  const aStack = a2.slice(0, -2);
  const bStack = b2.slice(0, -2);
  const rank = Math.max(aStack.length, bStack.length);
  const outStack = out.type.shape.slice(0, rank);

  /** The product of dims (the batch axis is this call's rows), times `scale`. */
  const product = (dims: readonly Dim[], scale = 1) => (): Expr => {
    let e = ctx.i32(dims.reduce<number>((p, d) => p * (d ?? 1), scale));
    for (const d of dims) if (d === null) e = m.i32.mul(e, ctx.rows());
    return e;
  };
  const zero = () => ctx.i32(0);
  /** Byte stride of an operand along output stack axis d (0 where it broadcasts). */
  const stride = (stack: Shape, matrix: readonly Dim[], d: number) => {
    const j = d - (rank - stack.length);
    if (j < 0 || (stack[j] === 1 && outStack[d] !== 1)) return zero;
    return product([...stack.slice(j + 1), ...matrix], 4);
  };

  const get = (l: number) => m.local.get(l, i32);
  const add = (l: number, by: () => Expr) => m.local.set(l, m.i32.add(get(l), by()));
  const pc = ctx.local(i32);

  const matrix = (pa: number, pb: number): Expr => {
    const [r, j, i, aRow, ap, bp] = [0, 0, 0, 0, 0, 0].map(() => ctx.local(i32)) as [number, number, number, number, number, number];
    const kDim = product([K]);
    const nDim = product([N]);
    // Along k: a steps one element; b steps one row of n (or one element when transposed).
    const bStepK = bTransposed ? () => ctx.i32(4) : product([N], 4);
    // Along j: b steps one element (or one row of k when transposed).
    const bStepJ = bTransposed ? product([K], 4) : () => ctx.i32(4);
    const dot = (lanes: 1 | 4): Expr[] => {
      const acc = ctx.local(lanes === 4 ? binaryen.v128 : binaryen.f32);
      const accGet = () => m.local.get(acc, lanes === 4 ? binaryen.v128 : binaryen.f32);
      const term =
        lanes === 4
          ? m.f32x4.add(accGet(), m.f32x4.mul(m.v128.load32_splat(0, 4, get(ap)), m.v128.load(0, 4, get(bp))))
          : m.f32.add(accGet(), m.f32.mul(m.f32.load(0, 4, get(ap)), m.f32.load(0, 4, get(bp))));
      return [
        m.local.set(acc, lanes === 4 ? m.f32x4.splat(m.f32.const(0)) : m.f32.const(0)),
        m.local.set(ap, get(aRow)),
        m.local.set(bp, m.i32.add(get(pb), m.i32.mul(get(j), bStepJ()))),
        forLoop(ctx, i, ctx.i32(0), kDim, 1, [m.local.set(acc, term), add(ap, () => ctx.i32(4)), add(bp, bStepK)]),
        lanes === 4 ? m.v128.store(0, 4, get(pc), accGet()) : m.f32.store(0, 4, get(pc), accGet()),
        add(pc, () => ctx.i32(4 * lanes)),
      ];
    };
    const vector = ctx.simd && !bTransposed;
    const columns: Expr[] = vector
      ? [forLoop(ctx, j, ctx.i32(0), nDim, 4, dot(4)), forLoop(ctx, j, get(j), nDim, 1, dot(1))]
      : [forLoop(ctx, j, ctx.i32(0), nDim, 1, dot(1))];
    return m.block(null, [
      m.local.set(aRow, get(pa)),
      forLoop(ctx, r, ctx.i32(0), product([M]), 1, [...columns, add(aRow, product([K], 4))]),
    ]);
  };

  /** One loop per leading (stack) axis, each operand's cursor advancing by its stride. */
  const level = (d: number, pa: number, pb: number): Expr => {
    if (d === rank) return matrix(pa, pb);
    const [s, qa, qb] = [ctx.local(i32), ctx.local(i32), ctx.local(i32)];
    const aStride = stride(aStack, [M, K], d);
    const bStride = stride(bStack, bTransposed ? [N, K] : [K, N], d);
    return m.block(null, [
      m.local.set(qa, get(pa)),
      m.local.set(qb, get(pb)),
      forLoop(ctx, s, ctx.i32(0), product([outStack[d]!]), 1, [level(d + 1, qa, qb), add(qa, aStride), add(qb, bStride)]),
    ]);
  };

  const [pa, pb] = [ctx.local(i32), ctx.local(i32)];
  return m.block(null, [m.local.set(pa, ctx.addr(a)), m.local.set(pb, ctx.addr(b)), m.local.set(pc, ctx.addr(out)), level(0, pa, pb)]);
}
