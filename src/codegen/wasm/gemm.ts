import binaryen from 'binaryen';
import { NncError } from '../../errors.js';
import type { Node } from '../../ir/graph.js';
import type { ScalarExpr } from '../../ir/scalar-expr.js';
import { isConstantOp, viewedValue } from '../../ir/traits.js';
import { constantData, forLoop, type KernelContext } from './context.js';
import { emitScalarExpr } from './scalar-codegen.js';
import { transpose4x4 } from './transpose4x4.js';
import type { RowBlocks } from '../../passes/memory-plan-types.js';

type Expr = binaryen.ExpressionRef;
const { i32 } = binaryen;

/** Columns per register-tile panel: two f32x4 vectors. */
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

/** A count known when compiling, or an i32 read at run time (the batch rows times a factor). */
export type Count = number | (() => Expr);

/** A matrix in memory: element (i, j) at addr + (i * rowStride + j * colStride) * 4. */
export interface Strided {
  readonly addr: () => Expr;
  readonly rowStride: number;
  readonly colStride: number;
}

/** A constant [k, n] operand (weight or const, possibly through views), packed into panels at compile time. */
export interface PackedB {
  readonly constant: Node;
  /** Stored [n, k] (matmul_nt): packing transposes it. */
  readonly transposed: boolean;
}

/** B already packed into panels at run time (the layout packPanels makes), e.g. in kernel scratch. */
export interface PanelsB {
  readonly panels: () => Expr;
  /** The k steps each panel has room for (panels are that many 32-byte lines apart); default k, which must then be static. */
  readonly kCapacity?: number;
}

/** Rows from which packing a computed B pays for itself: each 4-row block of A re-reads all of B. */
export const PACK_MIN_ROWS = 8;

/** Bytes of a [k, n] operand packed into panels of 8 columns. */
export const panelBytes = (k: number, n: number): number => Math.ceil(n / PANEL) * k * PANEL * 4;

export interface GemmSpec {
  /** C[m, n] = A[m, k] x B[k, n]; m and k may be run-time counts. */
  readonly m: Count;
  readonly k: Count;
  readonly n: number;
  /** Read in place through its strides: a transposed A (matmul_tn) costs no copy. */
  readonly a: Strided;
  /** Packed when constant, or by the kernel into scratch; else read in place (colStride 1) or gathered lane by lane. */
  readonly b: PackedB | PanelsB | Strided;
  /** Written row by row (colStride is 1). */
  readonly c: Strided;
  /** A [n] vector added to every row: constant (padded once) or computed. */
  readonly bias?: Node;
  /** Applied to each accumulator before it is stored; must be vectorizable. */
  readonly epilogue?: ScalarExpr;
  /** Added after the epilogue: a [m, n] matrix (colStride 1). */
  readonly residual?: Strided;
  /**
   * Scratch of panelBytes(k, n) where a computed B read in place (a training step's weight) is
   * packed first, when there are at least PACK_MIN_ROWS rows: its rows are a row stride apart,
   * which the cache holds badly, and every block of rows reads all of it.
   */
  readonly packB?: () => Expr;
  /**
   * Scratch where each block of 4 rows of A is copied into 4 contiguous rows, a cache line apart
   * more than k, before the tiles read it (the SIMD build's 4-row tiles only), `kCapacity` steps
   * per row: when A's rows lie a multiple of 2 KB apart (see stagesA; stagingBytes), or when A is
   * stored transposed with its k steps crowding the L1 (see transposedStagingBytes).
   */
  readonly stageA?: { readonly at: () => Expr; readonly kCapacity: number };
}

/** Rows of a SIMD register tile. */
const TILE_ROWS = 4;
/** Floats a staged row of A is padded by: one 64-byte cache line. */
const STAGE_PAD = 16;

/**
 * Whether a tile's rows of A, `pitch` floats apart, fall in the same L1 sets: a pitch that is a
 * multiple of 2 KB (k = 512, 1024, ... read in place). Measured on the dense GEMM alone, such a
 * product ran at ~0.8 (k = 512) and ~0.45 (k = 1024, 2048) of the speed of the same rows 64
 * bytes further apart, which staging restores.
 */
export const stagesA = (pitch: number): boolean => (pitch * 4) % 2048 === 0;

/**
 * The staging scratch (GemmSpec.stageA) a kernel asks for, for a product over rows of k elements:
 * a block of rows when k itself aliases (rows read contiguously; a split piece's pitch, its
 * operand's row, is not known when scratch is sized, and is not staged).
 */
export const stagingBytes = (k: number): number => (stagesA(k) ? TILE_ROWS * (k + STAGE_PAD) * 4 : 0);

/** `product` with its staging scratch `offset` bytes into the kernel's scratch, if its k asks for one (see stagingBytes). */
export function withStaging(ctx: KernelContext, product: GemmSpec, offset: number): GemmSpec {
  return typeof product.k === 'number' && stagingBytes(product.k) > 0 ? { ...product, stageA: { at: () => ctx.scratch(offset), kCapacity: product.k } } : product;
}

/** Whether A is stored transposed: its rows are adjacent elements and its k steps a row of the stored matrix apart (aᵀ of a weight gradient). */
const transposedA = (a: Strided): boolean => a.rowStride === 1 && a.colStride > 1;

/** The L1 data cache geometry assumed: 64 sets of 8 lines of 64 bytes (32 KB: Zen 4's, and most x64 cores'). */
const L1_SETS = 64;
const L1_WAYS = 8;
const LINE_BYTES = 64;

/**
 * Whether a tile's k steps `kStride` floats apart, up to `kCapacity` of them, crowd the L1: each
 * step on a line of its own, and more of those lines in one cache set than half its ways (B's
 * panels stream through the same sets). A tile reading such a transposed A in place loses its
 * lines between the panels of a row block: the LSTM's recurrent-kernel gradient (steps 512 bytes
 * apart: 8 sets for 64 lines) ran at 32 GFLOP/s in place and 40 staged. Steps closer than a line
 * are a stream the prefetcher follows, and steps spread over every set stay cached: a conv's
 * patch matrix (steps 36 or 128 bytes apart) ran up to 1.5x slower staged than in place.
 */
function crowdsL1(kStride: number, kCapacity: number): boolean {
  const stepBytes = kStride * 4;
  if (stepBytes < LINE_BYTES) return false;
  const perSet = new Array<number>(L1_SETS).fill(0);
  for (let j = 0; j < kCapacity; j++) perSet[Math.floor((j * stepBytes) / LINE_BYTES) % L1_SETS]! += 1;
  return Math.max(...perSet) > L1_WAYS / 2;
}

/**
 * The staging scratch (GemmSpec.stageA) of a product whose A is stored transposed, its k steps
 * `kStride` floats apart and at most `kCapacity` of them: 0 unless they crowd the L1 (see crowdsL1).
 */
export const transposedStagingBytes = (kStride: number, kCapacity: number): number => (crowdsL1(kStride, kCapacity) ? TILE_ROWS * (kCapacity + STAGE_PAD) * 4 : 0);

/**
 * The shared scratch (WasmKernel.sharedScratch) where a computed [k, n] right-hand operand `w` is
 * packed into panels at run time (`transposed`: w is stored [n, k], as matmul_nt reads it): one
 * buffer for every product that reads the same w the same way, packed by the first. A training
 * step of an unrolled LSTM reads its recurrent kernel in 27 forward and 27 backward products,
 * which each packed it anew (~7 % of each product's time). Undefined for a constant w, which is
 * packed at compile time.
 */
export function sharedPanels(w: Node, transposed: boolean): { key: string; bytes: number } | undefined {
  if (constantB(w)) return undefined;
  const [rows, cols] = w.type.shape as [number, number];
  const [k, n] = transposed ? [cols, rows] : [rows, cols];
  return { key: `panels${transposed ? 'T' : ''}:${w.id}`, bytes: panelBytes(k, n) };
}

/** A row-major [rows, cols] value read in place: its rows are contiguous, or blocks a pitch apart (a split piece). */
export function rowMajor(ctx: KernelContext, node: Node, cols: number): Strided {
  return { addr: () => ctx.addr(node), rowStride: rowPitch(ctx, node, cols), colStride: 1 };
}

/** Elements from one row of `cols` elements to the next: `cols`, or a split piece's block pitch. */
export function rowPitch(ctx: KernelContext, node: Node, cols: number): number {
  const blocks = ctx.blocks(node);
  if (!blocks) return cols;
  if (blocks.bytes !== cols * 4) throw new Error(`internal error: %${node.name ?? node.id} is stored as ${blocks.bytes}-byte blocks, read as rows of ${cols}`);
  return blocks.pitch / 4;
}

/** Whether a GEMM operand read as rows of `cols` elements can be a split piece stored as `blocks` (one row per block). */
export const rowsAreBlocks = (cols: number, blocks: RowBlocks): boolean => blocks.bytes === cols * 4;

/** The row count of x read as rows of k contiguous elements: static, or the batch rows times a factor. */
export function rowsOf(ctx: KernelContext, x: Node, k: number): Count {
  const shape = x.type.shape;
  const factor = shape.reduce<number>((p, d) => p * (d ?? 1), 1) / k;
  return shape.includes(null) ? () => ctx.m.i32.mul(ctx.rows(), ctx.i32(factor)) : factor;
}

/** B as a constant operand when its source is a weight or const. */
export function constantB(node: Node, transposed = false): PackedB | undefined {
  return isConstantOp(viewedValue(node).op) ? { constant: node, transposed } : undefined;
}

/** How a tile reads B: byte distances between panels of 8 columns, between k steps, between columns. */
interface BAccess {
  readonly base: () => Expr;
  readonly panelBytes: number;
  readonly kBytes: number;
  /** 4 reads whole vectors; any other distance gathers the lanes one by one. */
  readonly colBytes: number;
}

function accessB(ctx: KernelContext, spec: GemmSpec): BAccess {
  const { b, k, n } = spec;
  if ('addr' in b) return { base: b.addr, panelBytes: PANEL * b.colStride * 4, kBytes: b.rowStride * 4, colBytes: b.colStride * 4 };
  if ('panels' in b && b.kCapacity !== undefined) return { base: b.panels, panelBytes: b.kCapacity * PANEL * 4, kBytes: PANEL * 4, colBytes: 4 };
  if (typeof k !== 'number') throw new NncError('NNC4001', 'a packed right-hand operand contracted over the batch axis');
  if ('panels' in b) return { base: b.panels, panelBytes: k * PANEL * 4, kBytes: PANEL * 4, colBytes: 4 };
  const id = viewedValue(b.constant).id;
  const packed = ctx.constant(`panels${b.transposed ? 'T' : ''}:${id}`, () => {
    const data = constantData(ctx.graph, b.constant);
    return packPanels(b.transposed ? transpose(data, n, k) : data, k, n);
  });
  return { base: () => ctx.i32(packed), panelBytes: k * PANEL * 4, kBytes: PANEL * 4, colBytes: 4 };
}

/** The bias address: a constant is padded to whole panels once, a computed one is read where it is. */
export function biasAddress(ctx: KernelContext, bias: Node | undefined, n: number): (() => Expr) | undefined {
  if (!bias) return undefined;
  const value = viewedValue(bias);
  if (!isConstantOp(value.op)) return () => ctx.addr(bias);
  const padded = ctx.constant(`bias:${value.id}`, () => padBias(constantData(ctx.graph, bias), n));
  return () => ctx.i32(padded);
}

/** A pointer that starts at `start` for the first panel of a row block and moves `step` bytes per panel. */
interface Cursor {
  readonly start: () => Expr;
  readonly step: number;
  readonly local: number;
}

/** Where one tile reads B and the bias, and writes C (reading the residual). */
interface TileAt {
  readonly w: () => Expr;
  readonly b: (() => Expr) | undefined;
  readonly y: () => Expr;
  readonly res: (() => Expr) | undefined;
}

/**
 * C = A x B (+ bias, then epilogue, then residual) with register tiles: 4 rows x 8 columns
 * (8 f32x4 accumulators) while at least 4 rows remain, then single rows 24 columns wide (batch 1
 * wants several independent accumulators, not many rows: 6, which with the 6 vectors of B and the
 * broadcast fit x64's 16 vector registers; 32 columns spilled and ran a batch-1 product at half
 * the speed). Tail columns are stored lane by lane so nothing past a row is written. The scalar
 * module runs the same schedule with f32 lanes, 2 panels per single-row tile.
 */
export function emitGemm(ctx: KernelContext, spec: GemmSpec): Expr {
  if (spec.packB && 'addr' in spec.b) return emitPackingB(ctx, { ...spec, b: spec.b }, spec.packB);
  const { m } = ctx;
  const { n } = spec;
  const B = accessB(ctx, spec);
  const fullPanels = Math.floor(n / PANEL);
  const tailCols = n % PANEL;
  const rowBlock = ctx.simd ? TILE_ROWS : 1;
  const group = ctx.simd ? 3 : 2;
  const local = () => ctx.local(i32);
  const get = (l: number) => () => m.local.get(l, i32);
  const add = (l: number, by: number) => m.local.set(l, m.i32.add(m.local.get(l, i32), ctx.i32(by)));
  const setup: Expr[] = [];
  /** A count as an expression; a run-time one is computed once, before the sweeps. */
  const counted = (c: Count, scale: number): (() => Expr) => {
    if (typeof c === 'number') return () => ctx.i32(c * scale);
    const l = local();
    setup.push(m.local.set(l, scale === 1 ? c() : m.i32.mul(c(), ctx.i32(scale))));
    return get(l);
  };
  const aRowBytes = spec.a.rowStride * 4;
  const cRowBytes = spec.c.rowStride * 4;
  const rRowBytes = (spec.residual?.rowStride ?? 0) * 4;
  const [r, xr, yr, rr] = [local(), local(), local(), local()];
  const common = {
    x: get(xr),
    aRowBytes,
    aKBytes: spec.a.colStride * 4,
    kSpan: counted(spec.k, spec.a.colStride * 4),
    kAtRunTime: typeof spec.k !== 'number',
    B,
    cRowBytes,
    rRowBytes,
    epilogue: spec.epilogue,
  };
  const rowEnd = counted(spec.m, 1);
  const staged = stagingOf(ctx, spec, rowBlock, get(xr), () => counted(spec.k, 4));
  const cursor = (start: () => Expr, step: number): Cursor => ({ start, step, local: local() });
  const bias = biasAddress(ctx, spec.bias, n);
  const w = cursor(B.base, B.panelBytes);
  const y = cursor(get(yr), PANEL * 4);
  const b = bias && cursor(bias, PANEL * 4);
  const res = spec.residual && cursor(get(rr), PANEL * 4);
  const cursors = [w, y, b, res].filter((c): c is Cursor => c !== undefined);
  const running = (c: Cursor | undefined) => c && get(c.local);
  const fixed = (c: Cursor | undefined, panel: number) => c && (() => (panel === 0 ? c.start() : m.i32.add(c.start(), ctx.i32(panel * c.step))));
  const tile = (rows: number, valid: number[], at: TileAt) => emitTile(ctx, { ...common, ...(staged && rows === TILE_ROWS ? staged.a : {}), ...at, rows, valid });

  /** Loops over panels `step` at a time with running pointers, then one static tile for the rest. */
  const rowSweep = (rows: number, step: number): Expr[] => {
    const looped = fullPanels - (fullPanels % step);
    const out: Expr[] = staged && rows === TILE_ROWS ? [staged.copy()] : [];
    if (looped > 0) {
      const p = local();
      const at = { w: running(w)!, b: running(b), y: running(y)!, res: running(res) };
      out.push(
        ...cursors.map((c) => m.local.set(c.local, c.start())),
        forLoop(ctx, p, ctx.i32(0), () => ctx.i32(looped), step, [tile(rows, new Array<number>(step).fill(PANEL), at), ...cursors.map((c) => add(c.local, step * c.step))]),
      );
    }
    const rest = [...new Array<number>(fullPanels - looped).fill(PANEL), ...(tailCols ? [tailCols] : [])];
    if (rest.length > 0) out.push(tile(rows, rest, { w: fixed(w, looped)!, b: fixed(b, looped), y: fixed(y, looped)!, res: fixed(res, looped) }));
    out.push(add(r, rows), add(xr, rows * aRowBytes), add(yr, rows * cRowBytes));
    if (spec.residual) out.push(add(rr, rows * rRowBytes));
    return out;
  };

  const sweeps: Expr[] = [m.local.set(xr, spec.a.addr()), m.local.set(yr, spec.c.addr()), m.local.set(r, ctx.i32(0))];
  if (spec.residual) sweeps.push(m.local.set(rr, spec.residual.addr()));
  if (rowBlock > 1) sweeps.push(whileRows(ctx, r, rowBlock, rowEnd, rowSweep(rowBlock, 1)));
  sweeps.push(whileRows(ctx, r, 1, rowEnd, rowSweep(1, group)));
  return m.block(null, [...setup, ...sweeps]);
}

/** How the tiles of 4 rows read A when it is staged (GemmSpec.stageA): where, and how many bytes a row and a k step are apart. */
interface StagedA {
  readonly copy: () => Expr;
  readonly a: Pick<TileSpec, 'x' | 'aRowBytes' | 'aKBytes' | 'kSpan'>;
}

/** The staging of a 4-row block of A starting at `x`, if the spec asks for it and A needs it: aliasing rows, or A stored transposed. */
function stagingOf(ctx: KernelContext, spec: GemmSpec, rowBlock: number, x: () => Expr, kSpan: () => () => Expr): StagedA | undefined {
  const { stageA, a, k } = spec;
  if (!stageA || rowBlock === 1) return undefined;
  if (transposedA(a) && crowdsL1(a.colStride, stageA.kCapacity)) return stageTransposed(ctx, stageA, x, a.colStride * 4, k, kSpan());
  if (a.colStride === 1 && typeof k === 'number' && stagesA(k) && stagesA(a.rowStride)) return stageRows(ctx, stageA, x, a.rowStride * 4, k);
  return undefined;
}

/**
 * A block of TILE_ROWS rows of A (k elements each, `rowBytes` apart from `x`) copied into the
 * stage, rows a cache line further apart: the copy, and where tiles then read A.
 */
function stageRows(ctx: KernelContext, stage: NonNullable<GemmSpec['stageA']>, x: () => Expr, rowBytes: number, k: number): StagedA {
  const { m } = ctx;
  const stagedRowBytes = (stage.kCapacity + STAGE_PAD) * 4;
  const j = ctx.local(i32);
  const at = (base: () => Expr) => m.i32.add(base(), m.local.get(j, i32));
  // k is a multiple of 512 here: whole vectors, four rows per step.
  const copy = () =>
    forLoop(ctx, j, ctx.i32(0), () => ctx.i32(k * 4), 16, Array.from({ length: TILE_ROWS }, (_, r) => m.v128.store(r * stagedRowBytes, 4, at(stage.at), m.v128.load(r * rowBytes, 4, at(x)))));
  return { copy, a: { x: stage.at, aRowBytes: stagedRowBytes, aKBytes: 4, kSpan: () => ctx.i32(k * 4) } };
}

/**
 * A block of TILE_ROWS rows of a transposed A (the block's 4 elements of a k step adjacent, k
 * steps `kBytes` apart from `x`) copied into the stage as 4 contiguous rows: 4 k steps at a
 * time by a register transpose, the steps past the last four lane by lane.
 */
function stageTransposed(ctx: KernelContext, stage: NonNullable<GemmSpec['stageA']>, x: () => Expr, kBytes: number, k: Count, kSpan: () => Expr): StagedA {
  const { m } = ctx;
  const stagedRowBytes = (stage.kCapacity + STAGE_PAD) * 4;
  const [j, sp, dp] = [ctx.local(i32), ctx.local(i32), ctx.local(i32)];
  const get = (l: number) => m.local.get(l, i32);
  const kEnd = typeof k === 'number' ? () => ctx.i32(k) : k;
  const steps = [0, 1, 2, 3].map(() => ctx.local(binaryen.v128));
  const { interleave, column } = transpose4x4(ctx, steps);
  const advance = (by: number) => [m.local.set(sp, m.i32.add(get(sp), ctx.i32(by * kBytes))), m.local.set(dp, m.i32.add(get(dp), ctx.i32(by * 4)))];
  const copy = () =>
    m.block(null, [
      m.local.set(sp, x()),
      m.local.set(dp, stage.at()),
      forLoop(ctx, j, ctx.i32(0), kEnd, 4, [
        ...steps.map((v, q) => m.local.set(v, m.v128.load(q * kBytes, 4, get(sp)))),
        ...interleave,
        ...[0, 1, 2, 3].map((r) => m.v128.store(r * stagedRowBytes, 4, get(dp), column(r))),
        ...advance(4),
      ]),
      // The last k % 4 steps (forLoop leaves j at the first of them).
      forLoop(ctx, j, get(j), kEnd, 1, [
        m.local.set(steps[0]!, m.v128.load(0, 4, get(sp))),
        ...[0, 1, 2, 3].map((r) => m.v128.store32_lane(r * stagedRowBytes, 4, r, get(dp), m.local.get(steps[0]!, binaryen.v128))),
        ...advance(1),
      ]),
    ]);
  return { copy, a: { x: stage.at, aRowBytes: stagedRowBytes, aKBytes: 4, kSpan } };
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

interface TileSpec extends TileAt {
  readonly rows: number;
  /** Valid columns of each panel of the tile (8, or fewer for the last panel of a row). */
  readonly valid: readonly number[];
  /** The tile's first row of A; rows are aRowBytes apart, k steps aKBytes. */
  readonly x: () => Expr;
  readonly aRowBytes: number;
  readonly aKBytes: number;
  /** k x aKBytes: where the k loop ends. */
  readonly kSpan: () => Expr;
  /** k is a run-time count (possibly 0): the loop checks before its first step. */
  readonly kAtRunTime: boolean;
  readonly B: BAccess;
  readonly cRowBytes: number;
  readonly rRowBytes: number;
  readonly epilogue: ScalarExpr | undefined;
}

/**
 * One register tile: accumulators sweep k from zero, then get the bias, the epilogue and the
 * residual, and are stored. The bias is added after the sum, as tfjs and the interpreter do
 * (matmul, then add), so the rounding matches theirs.
 */
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
  const madd = (a: Expr, b: Expr, c: Expr) => (simd ? ctx.maddF32x4(a, b, c) : m.f32.add(a, m.f32.mul(b, c)));
  const zero = () => (simd ? m.f32x4.splat(m.f32.const(0)) : m.f32.const(0));
  const each = (f: (r: number, q: number, v: number) => Expr) => acc.flatMap((row, r) => row.flatMap((vs, q) => vs.map((_, v) => f(r, q, v))));
  /** Byte offset of vector v of panel q within a row of C, a bias or a residual. */
  const colOffset = (q: number, v: number) => (q * PANEL + v * lanes) * 4;
  const lanesOf = (q: number, v: number) => Math.min(lanes, t.valid[q]! - v * lanes);

  /** Vector v of panel q of B at the current k: one load, or its valid lanes gathered. */
  const loadB = (q: number, v: number): Expr => {
    const { colBytes, panelBytes } = t.B;
    const offset = q * panelBytes + v * lanes * colBytes;
    const ptr = () => m.local.get(wp, i32);
    if (!simd) return m.f32.load(offset, 4, ptr());
    if (colBytes === 4) return load(ptr(), offset);
    let vec = m.v128.load32_zero(offset, 4, ptr());
    for (let lane = 1; lane < lanesOf(q, v); lane++) vec = m.v128.load32_lane(offset + lane * colBytes, 4, lane, ptr(), vec);
    return vec;
  };

  const init = each((r, q, v) => m.local.set(acc[r]![q]![v]!, zero()));
  const add = (a: Expr, b: Expr) => (simd ? m.f32x4.add(a, b) : m.f32.add(a, b));
  const loop = ctx.label('k');
  const inner: Expr[] = [];
  wv.forEach((vs, q) => vs.forEach((l, v) => inner.push(m.local.set(l, loadB(q, v)))));
  for (let r = 0; r < t.rows; r++) {
    const xAt = r * t.aRowBytes;
    inner.push(m.local.set(xs, simd ? m.v128.load32_splat(xAt, 4, m.local.get(xp, i32)) : m.f32.load(xAt, 4, m.local.get(xp, i32))));
    acc[r]!.forEach((vs, q) => vs.forEach((l, v) => inner.push(m.local.set(l, madd(get(l), get(xs), get(wv[q]![v]!))))));
  }
  inner.push(
    m.local.set(wp, m.i32.add(m.local.get(wp, i32), m.i32.const(t.B.kBytes))),
    m.local.set(xp, m.i32.add(m.local.get(xp, i32), m.i32.const(t.aKBytes))),
    m.br(loop, m.i32.lt_u(m.local.get(xp, i32), m.local.get(xe, i32))),
  );
  const kLoop = m.loop(loop, m.block(null, inner));
  const finish = each((r, q, v) => {
    const l = acc[r]![q]![v]!;
    // The epilogue may read its operand more than once: the biased sum goes back to the local.
    const biased = t.b ? [m.local.set(l, add(get(l), load(t.b(), colOffset(q, v))))] : [];
    let value = t.epilogue ? emitScalarExpr(ctx, t.epilogue, simd ? 'f32x4' : 'f32', () => get(l)) : get(l);
    if (t.res) value = add(value, load(t.res(), r * t.rRowBytes + colOffset(q, v)));
    const offset = r * t.cRowBytes + colOffset(q, v);
    const cols = lanesOf(q, v);
    if (cols === lanes) return m.block(null, [...biased, simd ? m.v128.store(offset, 4, t.y(), value) : m.f32.store(offset, 4, t.y(), value)]);
    const stores: Expr[] = [...biased, m.local.set(l, value)];
    for (let lane = 0; lane < cols; lane++) stores.push(m.v128.store32_lane(offset + lane * 4, 4, lane, t.y(), get(l)));
    return m.block(null, stores);
  });
  return m.block(null, [
    ...init,
    m.local.set(xp, t.x()),
    m.local.set(wp, t.w()),
    m.local.set(xe, m.i32.add(t.x(), t.kSpan())),
    t.kAtRunTime ? m.if(m.i32.lt_u(m.local.get(xp, i32), m.local.get(xe, i32)), kLoop) : kLoop,
    ...finish,
  ]);
}

/** The GEMM with its computed B packed into `scratch` first when the rows make it pay (see GemmSpec.packB). */
function emitPackingB(ctx: KernelContext, spec: GemmSpec & { b: Strided }, scratch: () => Expr): Expr {
  const { m } = ctx;
  const inPlace = () => emitGemm(ctx, { ...spec, packB: undefined });
  const packed = () => m.block(null, [emitPackPanels(ctx, spec.b, spec.k, spec.n, scratch), emitGemm(ctx, { ...spec, b: { panels: scratch }, packB: undefined })]);
  if (typeof spec.m === 'number') return spec.m >= PACK_MIN_ROWS ? packed() : inPlace();
  return m.if(m.i32.ge_s(spec.m(), ctx.i32(PACK_MIN_ROWS)), packed(), inPlace());
}

/**
 * Packs a [k, n] operand read through its strides into panels at `dst`, at run time (a computed
 * operand the tiles would otherwise gather lane by lane, or read a row stride apart). Column j
 * goes to panel j / 8, lane j % 8, k-major; panels are `kCapacity` lines apart (k when static).
 * The padding lanes of a tail panel are left as they are: a lane never mixes with another, and
 * tail lanes are never stored. Rows of contiguous columns move as whole vectors.
 */
export function emitPackPanels(ctx: KernelContext, src: Strided, k: Count, n: number, dst: () => Expr, kCapacity?: number): Expr {
  const { m } = ctx;
  const capacity = kCapacity ?? k;
  if (typeof capacity !== 'number') throw new Error('internal error: panels of a run-time k need a capacity');
  const panelStride = capacity * PANEL * 4;
  const kEnd = typeof k === 'number' ? () => ctx.i32(k) : k;
  const [j, kk, sp, dp] = [ctx.local(i32), ctx.local(i32), ctx.local(i32), ctx.local(i32)];
  const get = (l: number) => m.local.get(l, i32);
  const step = (l: number, bytes: number) => m.local.set(l, m.i32.add(get(l), ctx.i32(bytes)));
  if (ctx.simd && src.colStride === 1) {
    // Two panels (one 64-byte line of a source row) at a time, k innermost: every source line is
    // read once and each panel is written front to back (panels 4 KB apart would share cache sets).
    const pairs = Math.floor(n / (2 * PANEL));
    const move = (from: number, to: number) => m.v128.store(to, 4, get(dp), m.v128.load(from, 4, get(sp)));
    /** Source column c of the remainder: panel c / 8 after the pairs, lane c % 8. */
    const column = (c: number) => m.f32.store(Math.floor(c / PANEL) * panelStride + (c % PANEL) * 4, 4, get(dp), m.f32.load(c * 4, 4, get(sp)));
    const rowStart = (firstColumn: () => Expr, firstPanel: () => Expr) => [
      m.local.set(sp, m.i32.add(firstColumn(), m.i32.mul(get(kk), ctx.i32(src.rowStride * 4)))),
      m.local.set(dp, m.i32.add(firstPanel(), m.i32.shl(get(kk), ctx.i32(5)))),
    ];
    const out: Expr[] = [];
    if (pairs > 0) {
      const p = ctx.local(i32);
      const pairColumn = () => m.i32.add(src.addr(), m.i32.shl(get(p), ctx.i32(6)));
      const pairPanel = () => m.i32.add(dst(), m.i32.mul(get(p), ctx.i32(2 * panelStride)));
      out.push(
        forLoop(ctx, p, ctx.i32(0), () => ctx.i32(pairs), 1, [
          forLoop(ctx, kk, ctx.i32(0), kEnd, 1, [...rowStart(pairColumn, pairPanel), move(0, 0), move(16, 16), move(32, panelStride), move(48, panelStride + 16)]),
        ]),
      );
    }
    const rest = n - pairs * 2 * PANEL;
    if (rest > 0) {
      const restColumn = () => m.i32.add(src.addr(), ctx.i32(pairs * 2 * PANEL * 4));
      const restPanel = () => m.i32.add(dst(), ctx.i32(pairs * 2 * panelStride));
      out.push(forLoop(ctx, kk, ctx.i32(0), kEnd, 1, [...rowStart(restColumn, restPanel), ...Array.from({ length: rest }, (_, c) => column(c))]));
    }
    return m.block(null, out);
  }
  if (ctx.simd && src.rowStride === 1 && typeof k === 'number' && k % 4 === 0 && n % 4 === 0) return emitPackTransposed(ctx, src, k, n, dst, panelStride);
  const panelStart = m.i32.add(m.i32.mul(m.i32.shr_u(get(j), ctx.i32(3)), ctx.i32(panelStride)), m.i32.shl(m.i32.and(get(j), ctx.i32(PANEL - 1)), ctx.i32(2)));
  return forLoop(ctx, j, ctx.i32(0), () => ctx.i32(n), 1, [
    m.local.set(sp, m.i32.add(src.addr(), m.i32.mul(get(j), ctx.i32(src.colStride * 4)))),
    m.local.set(dp, m.i32.add(dst(), panelStart)),
    forLoop(ctx, kk, ctx.i32(0), kEnd, 1, [m.f32.store(0, 4, get(dp), m.f32.load(0, 4, get(sp))), step(sp, src.rowStride * 4), step(dp, PANEL * 4)]),
  ]);
}

/**
 * emitPackPanels for a B stored transposed (matmul_nt's w [n, k]: column j of B is a contiguous
 * row of w): 4 columns by 4 k steps at a time, read as 4 vectors along k and transposed in
 * registers, so each panel row gets 4 lanes in one store.
 */
function emitPackTransposed(ctx: KernelContext, src: Strided, k: number, n: number, dst: () => Expr, panelStride: number): Expr {
  const { m } = ctx;
  const [jb, kb, sp, dp] = [ctx.local(i32), ctx.local(i32), ctx.local(i32), ctx.local(i32)];
  const rows = [0, 1, 2, 3].map(() => ctx.local(binaryen.v128));
  const { interleave, column } = transpose4x4(ctx, rows);
  const get = (l: number) => m.local.get(l, i32);
  const colBytes = src.colStride * 4;
  // Columns j0..j0+3 of the block start at lane (j0 % 8) of panel j0 / 8.
  const panelOf = () => m.i32.add(m.i32.mul(m.i32.shr_u(get(jb), ctx.i32(3)), ctx.i32(panelStride)), m.i32.shl(m.i32.and(get(jb), ctx.i32(PANEL - 1)), ctx.i32(2)));
  return forLoop(ctx, jb, ctx.i32(0), () => ctx.i32(n), 4, [
    m.local.set(sp, m.i32.add(src.addr(), m.i32.mul(get(jb), ctx.i32(colBytes)))),
    m.local.set(dp, m.i32.add(dst(), panelOf())),
    forLoop(ctx, kb, ctx.i32(0), () => ctx.i32(k), 4, [
      ...rows.map((r, i) => m.local.set(r, m.v128.load(i * colBytes, 4, get(sp)))),
      ...interleave,
      ...[0, 1, 2, 3].map((c) => m.v128.store(c * PANEL * 4, 4, get(dp), column(c))),
      m.local.set(sp, m.i32.add(get(sp), ctx.i32(16))),
      m.local.set(dp, m.i32.add(get(dp), ctx.i32(4 * PANEL * 4))),
    ]),
  ]);
}

/** Rows of x (k contiguous elements each) times B [k, n], into the rows of out. */
export function rowsTimesB(ctx: KernelContext, x: Node, b: PackedB | PanelsB | Strided, k: number, n: number, out: Node): GemmSpec {
  return { m: rowsOf(ctx, x, k), k, n, a: rowMajor(ctx, x, k), b, c: rowMajor(ctx, out, n) };
}
