import binaryen from 'binaryen';
import { NncError } from '../../errors.js';
import type { Node } from '../../ir/graph.js';
import type { ScalarExpr } from '../../ir/scalar-expr.js';
import { isConstantOp } from '../../ir/traits.js';
import { constantData, forLoop, viewedValue, type KernelContext } from './context.js';
import { emitScalarExpr } from './scalar-codegen.js';

type Expr = binaryen.ExpressionRef;
const { i32 } = binaryen;

/** Columns per packed weight panel: two f32x4 vectors. */
export const PANEL = 8;

/**
 * Repacks a row-major [k, n] weight into panels of 8 columns, each stored k-major
 * (panel p, row i: w[i, 8p .. 8p+7], zero-padded), so a tile's inner loop reads one contiguous
 * 32-byte line per k. Done once at compile time.
 */
export function packPanels(w: Float32Array, k: number, n: number): Float32Array {
  const panels = Math.ceil(n / PANEL);
  const out = new Float32Array(panels * k * PANEL);
  for (let p = 0; p < panels; p++)
    for (let i = 0; i < k; i++)
      for (let c = 0; c < PANEL && p * PANEL + c < n; c++) out[(p * k + i) * PANEL + c] = w[i * n + p * PANEL + c]!;
  return out;
}

/** [rows, cols] row-major -> [cols, rows]. */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c]!;
  return out;
}

export function padBias(b: Float32Array, n: number): Float32Array {
  const out = new Float32Array(Math.ceil(n / PANEL) * PANEL);
  out.set(b.subarray(0, n));
  return out;
}

export interface GemmSpec {
  /** The activations, read as rows of k elements. */
  readonly x: Node;
  /** The [k, n] weight (a weight or const node: it is packed at compile time). */
  readonly w: Node;
  /** The weight is stored [n, k] (matmul_nt: x times its transpose); packing transposes it. */
  readonly transposed?: boolean;
  readonly bias?: Node;
  /** Applied to each accumulator before it is stored; must be vectorizable. */
  readonly epilogue?: ScalarExpr;
  readonly out: Node;
}

/**
 * y[m, n] = x[m, k] x w[k, n] (+ bias, then epilogue) with register tiles: 4 rows x 8 columns
 * (8 f32x4 accumulators) while at least 4 rows remain, then single rows 32 columns wide (batch 1
 * wants many independent accumulators, not many rows). Tail columns are stored lane by lane so
 * nothing past a row is written. The scalar module runs the same schedule with f32 lanes.
 */
export function emitGemm(ctx: KernelContext, spec: GemmSpec): Expr {
  const { m } = ctx;
  const wValue = viewedValue(spec.w);
  if (!isConstantOp(wValue.op))
    throw new NncError('NNC4001', `${spec.out.op} with a computed right-hand operand`, { hint: 'The wasm backend needs the [k, n] operand to be a weight.' });
  const [rows, cols] = spec.w.type.shape as [number, number];
  const [k, n] = spec.transposed ? [cols, rows] : [rows, cols];
  const xShape = spec.x.type.shape;
  // x is read as rows of k contiguous elements (x[..., k], or a flattened x[batch, ...]).
  const rowFactor = xShape.reduce<number>((p, d) => p * (d ?? 1), 1) / k;
  const batched = xShape.includes(null);
  const rowCount = () => (batched ? m.i32.mul(ctx.rows(), ctx.i32(rowFactor)) : ctx.i32(rowFactor));
  const wData = constantData(ctx.graph, spec.w);
  const W = ctx.constant(`panels${spec.transposed ? 'T' : ''}:${wValue.id}`, () => packPanels(spec.transposed ? transpose(wData, n, k) : wData, k, n));
  const bias = spec.bias && viewedValue(spec.bias);
  if (bias && !isConstantOp(bias.op))
    throw new NncError('NNC4001', `dense with a computed bias`, { hint: 'The wasm backend needs the bias to be a weight.' });
  const B = bias ? ctx.constant(`bias:${bias.id}`, () => padBias(constantData(ctx.graph, bias), n)) : undefined;

  const fullPanels = Math.floor(n / PANEL);
  const tailCols = n % PANEL;
  const rowBlock = ctx.simd ? 4 : 1;
  const group = ctx.simd ? 4 : 2;
  const panelBytes = k * PANEL * 4;
  const [r, xr, yr, wp, bp, yp] = [0, 0, 0, 0, 0, 0].map(() => ctx.local(i32)) as [number, number, number, number, number, number];
  const get = (l: number) => () => m.local.get(l, i32);
  const add = (l: number, by: number) => m.local.set(l, m.i32.add(m.local.get(l, i32), ctx.i32(by)));
  const tile = (rows: number, valid: number[], w: () => Expr, b: () => Expr, y: () => Expr) =>
    emitTile(ctx, { k, n, rows, valid, x: get(xr), w, b: B === undefined ? undefined : b, y, epilogue: spec.epilogue });
  const staticAt = (panel: number) => ({
    w: () => ctx.i32(W + panel * panelBytes),
    b: () => ctx.i32((B ?? 0) + panel * PANEL * 4),
    y: () => m.i32.add(m.local.get(yr, i32), ctx.i32(panel * PANEL * 4)),
  });

  /** Loops over panels `step` at a time with running pointers, then one static tile for the rest. */
  const rowSweep = (rows: number, step: number): Expr[] => {
    const looped = fullPanels - (fullPanels % step);
    const out: Expr[] = [];
    if (looped > 0) {
      const p = ctx.local(i32);
      out.push(
        m.local.set(wp, ctx.i32(W)),
        m.local.set(bp, ctx.i32(B ?? 0)),
        m.local.set(yp, m.local.get(yr, i32)),
        forLoop(ctx, p, ctx.i32(0), () => ctx.i32(looped), step, [
          tile(rows, new Array<number>(step).fill(PANEL), get(wp), get(bp), get(yp)),
          add(wp, step * panelBytes),
          add(bp, step * PANEL * 4),
          add(yp, step * PANEL * 4),
        ]),
      );
    }
    const rest = [...new Array<number>(fullPanels - looped).fill(PANEL), ...(tailCols ? [tailCols] : [])];
    if (rest.length > 0) {
      const at = staticAt(looped);
      out.push(tile(rows, rest, at.w, at.b, at.y));
    }
    out.push(add(r, rows), add(xr, rows * k * 4), add(yr, rows * n * 4));
    return out;
  };

  const sweeps: Expr[] = [];
  sweeps.push(m.local.set(xr, ctx.addr(spec.x)), m.local.set(yr, ctx.addr(spec.out)), m.local.set(r, ctx.i32(0)));
  if (rowBlock > 1) sweeps.push(whileRows(ctx, r, rowBlock, rowCount, rowSweep(rowBlock, 1)));
  sweeps.push(whileRows(ctx, r, 1, rowCount, rowSweep(1, group)));
  return m.block(null, sweeps);
}

/** `while (r + step <= end) body` (the body advances r). */
function whileRows(ctx: KernelContext, r: number, step: number, end: () => Expr, body: Expr[]): Expr {
  const { m } = ctx;
  const brk = ctx.label('rows_done');
  const cont = ctx.label('rows');
  return m.block(brk, [
    m.loop(cont, m.block(null, [m.br(brk, m.i32.gt_s(m.i32.add(m.local.get(r, i32), ctx.i32(step)), end())), ...body, m.br(cont)])),
  ]);
}

interface TileSpec {
  k: number;
  n: number;
  rows: number;
  /** Valid columns of each panel of the tile (8, or fewer for the last panel of a row). */
  valid: number[];
  x: () => Expr;
  w: () => Expr;
  b: (() => Expr) | undefined;
  y: () => Expr;
  epilogue: ScalarExpr | undefined;
}

/** One register tile: accumulators start at the bias, sweep k, get the epilogue, are stored. */
function emitTile(ctx: KernelContext, t: TileSpec): Expr {
  const { m, simd } = ctx;
  const lanes = simd ? 4 : 1;
  const type = simd ? binaryen.v128 : binaryen.f32;
  const vectors = t.valid.map((cols) => Math.ceil(cols / lanes));
  const acc = Array.from({ length: t.rows }, () => vectors.map((count) => Array.from({ length: count }, () => ctx.local(type))));
  const wv = vectors.map((count) => Array.from({ length: count }, () => ctx.local(type)));
  const xs = ctx.local(type);
  const [xp, wp, xe] = [ctx.local(i32), ctx.local(i32), ctx.local(i32)];
  const load = (ptr: Expr, offset: number) => (simd ? m.v128.load(offset, 4, ptr) : m.f32.load(offset, 4, ptr));
  const get = (l: number) => m.local.get(l, type);
  const madd = (a: Expr, b: Expr, c: Expr) => (simd ? m.f32x4.add(a, m.f32x4.mul(b, c)) : m.f32.add(a, m.f32.mul(b, c)));
  const zero = () => (simd ? m.f32x4.splat(m.f32.const(0)) : m.f32.const(0));
  const each = (f: (r: number, q: number, v: number) => Expr) => acc.flatMap((row, r) => row.flatMap((vs, q) => vs.map((_, v) => f(r, q, v))));

  const init = each((r, q, v) => m.local.set(acc[r]![q]![v]!, t.b ? load(t.b(), (q * PANEL + v * lanes) * 4) : zero()));
  const loop = ctx.label('k');
  const inner: Expr[] = [];
  wv.forEach((vs, q) => vs.forEach((l, v) => inner.push(m.local.set(l, load(m.local.get(wp, i32), q * t.k * PANEL * 4 + v * lanes * 4)))));
  for (let r = 0; r < t.rows; r++) {
    const xAt = r * t.k * 4;
    inner.push(m.local.set(xs, simd ? m.v128.load32_splat(xAt, 4, m.local.get(xp, i32)) : m.f32.load(xAt, 4, m.local.get(xp, i32))));
    acc[r]!.forEach((vs, q) => vs.forEach((l, v) => inner.push(m.local.set(l, madd(get(l), get(xs), get(wv[q]![v]!))))));
  }
  inner.push(
    m.local.set(wp, m.i32.add(m.local.get(wp, i32), m.i32.const(PANEL * 4))),
    m.local.set(xp, m.i32.add(m.local.get(xp, i32), m.i32.const(4))),
    m.br(loop, m.i32.lt_u(m.local.get(xp, i32), m.local.get(xe, i32))),
  );
  const epilogue = t.epilogue;
  const finish = each((r, q, v) => {
    const l = acc[r]![q]![v]!;
    const value = epilogue ? emitScalarExpr(ctx, epilogue, simd ? 'f32x4' : 'f32', () => get(l)) : get(l);
    const offset = r * t.n * 4 + (q * PANEL + v * lanes) * 4;
    const cols = Math.min(lanes, t.valid[q]! - v * lanes);
    if (cols === lanes) return simd ? m.v128.store(offset, 4, t.y(), value) : m.f32.store(offset, 4, t.y(), value);
    const stores: Expr[] = [m.local.set(l, value)];
    for (let lane = 0; lane < cols; lane++) stores.push(m.v128.store32_lane(offset + lane * 4, 4, lane, t.y(), get(l)));
    return m.block(null, stores);
  });
  return m.block(null, [
    ...init,
    m.local.set(xp, t.x()),
    m.local.set(wp, t.w()),
    m.local.set(xe, m.i32.add(t.x(), m.i32.const(t.k * 4))),
    m.loop(loop, m.block(null, inner)),
    ...finish,
  ]);
}
