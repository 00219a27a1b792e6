import binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import { reducedAxes } from '../../../ir/ops/reduce_sum.js';
import type { KernelContext } from '../context.js';
import { emitReduce, loadF64, storeF64 } from '../reduce.js';
import { axisGroups, type AxisGroup } from '../../axis-groups.js';
import type { Shape } from '../../../ir/types.js';
import { forLoop } from '../context.js';
import { demoteHalves, promoteHalves } from '../f64-lanes.js';
import type { WasmKernel } from './kernel.js';

/**
 * The sum (or mean, or product) of each line, accumulated in f64 in the interpreter's order
 * (row-major over the reduced axes), so that the result rounds to the same float32.
 */
export function emitSum(ctx: KernelContext, node: Node, kind: 'sum' | 'mean' | 'prod'): binaryen.ExpressionRef {
  const { m } = ctx;
  const x = node.inputs[0]!;
  const columns = kind !== 'prod' && ctx.simd ? columnGroups(x.type.shape, reducedAxes(node.attrs, x.type.shape.length)) : undefined;
  if (columns) return emitColumnSums(ctx, node, kind === 'mean', columns);
  const acc = ctx.local(binaryen.f64);
  const get = () => m.local.get(acc, binaryen.f64);
  const src = () => ctx.addr(x);
  const dst = () => ctx.addr(node);
  return emitReduce(ctx, x.type.shape, reducedAxes(node.attrs, x.type.shape.length), (line) => [
    m.local.set(acc, m.f64.const(kind === 'prod' ? 1 : 0)),
    line.each((at) => {
      const v = loadF64(ctx, () => m.i32.add(src(), line.start()), at);
      return [m.local.set(acc, kind === 'prod' ? m.f64.mul(get(), v) : m.f64.add(get(), v))];
    }),
    storeF64(ctx, dst, () => m.i32.mul(line.index(), ctx.i32(4)), kind === 'mean' ? m.f64.div(get(), m.f64.convert_u.i32(line.count())) : get()),
  ]);
}

/**
 * The groups of a reduction over leading axes that keeps a contiguous last group (a bias's
 * gradient: [batch, h, w, c] summed to [c]): every line is a column of a [rows, columns] matrix.
 */
function columnGroups(shape: Shape, axes: readonly number[]): { readonly rows: AxisGroup; readonly columns: number } | undefined {
  const groups = axisGroups(shape, axes);
  const [rows, kept] = groups;
  if (groups.length !== 2 || !rows!.reduced || kept!.reduced || kept!.batch || kept!.stride !== 1 || kept!.size < 4) return undefined;
  return { rows: rows!, columns: kept!.size };
}

/**
 * Column sums sixteen, then four columns at a time: each lane accumulates its column in f64 down
 * the rows, the order the scalar lines use, so the results are the same floats; the last columns
 * (fewer than four) take the scalar form.
 */
function emitColumnSums(ctx: KernelContext, node: Node, mean: boolean, { rows, columns }: { readonly rows: AxisGroup; readonly columns: number }): binaryen.ExpressionRef {
  const { m } = ctx;
  const { i32, v128, f64 } = binaryen;
  const x = node.inputs[0]!;
  const rowCount = () => (rows.batch ? m.i32.mul(ctx.rows(), ctx.i32(rows.size)) : ctx.i32(rows.size));
  const [column, row, at] = [ctx.local(i32), ctx.local(i32), ctx.local(i32)];
  const scalar = ctx.local(f64);
  const get = (l: number, t: binaryen.Type = i32) => m.local.get(l, t);
  // Down one column group: `at` walks the rows (columns · 4 bytes apart) from the group's first element.
  const down = (step: binaryen.ExpressionRef[]) =>
    m.block(null, [
      m.local.set(at, m.i32.add(ctx.addr(x), m.i32.mul(get(column), ctx.i32(4)))),
      forLoop(ctx, row, ctx.i32(0), rowCount, 1, [...step, m.local.set(at, m.i32.add(get(at), ctx.i32(columns * 4)))]),
    ]);
  const total = (v: binaryen.ExpressionRef) => (mean ? m.f64x2.div(v, m.f64x2.splat(m.f64.convert_u.i32(rowCount()))) : v);
  const zero = () => m.f64x2.splat(m.f64.const(0));
  /** Columns from `from` to `to`, `vectors` f32x4 (two f64x2 accumulators each) per walk down the rows. */
  const walks = (vectors: number, from: number, to: number) => {
    const sums = Array.from({ length: 2 * vectors }, () => ctx.local(v128));
    const sum = (v: number, half: number) => sums[2 * v + half]!;
    return forLoop(ctx, column, ctx.i32(from), () => ctx.i32(to), 4 * vectors, [
      ...sums.map((s) => m.local.set(s, zero())),
      down(
        Array.from({ length: vectors }, (_, v) =>
          promoteHalves(m, () => m.v128.load(16 * v, 4, get(at))).map((half, k) => m.local.set(sum(v, k), m.f64x2.add(get(sum(v, k), v128), half))),
        ).flat(),
      ),
      ...Array.from({ length: vectors }, (_, v) => m.v128.store(16 * v, 4, out(), demoteHalves(m, total(get(sum(v, 0), v128)), total(get(sum(v, 1), v128))))),
    ]);
  };
  // A whole 64-byte line of each row per walk where the columns allow: walking one vector wide
  // fetched every line four times, and a bias gradient's rows ([32, 512], a conv's [21632, 32])
  // no longer fit L1 between walks; sixteen columns per walk summed those ~2x faster.
  const lines = Math.floor(columns / 16) * 16;
  const vectors = Math.floor(columns / 4) * 4;
  const out = () => m.i32.add(ctx.addr(node), m.i32.mul(get(column), ctx.i32(4)));
  return m.block(null, [
    ...(lines > 0 ? [walks(4, 0, lines)] : []),
    walks(1, lines, vectors),
    forLoop(ctx, column, ctx.i32(vectors), () => ctx.i32(columns), 1, [
      m.local.set(scalar, m.f64.const(0)),
      down([m.local.set(scalar, m.f64.add(get(scalar, f64), m.f64.promote(m.f32.load(0, 4, get(at)))))]),
      m.f32.store(0, 4, out(), m.f32.demote(mean ? m.f64.div(get(scalar, f64), m.f64.convert_u.i32(rowCount())) : get(scalar, f64))),
    ]),
  ]);
}

export const reduceSumKernel: WasmKernel = { emit: (ctx, node) => emitSum(ctx, node, 'sum') };
