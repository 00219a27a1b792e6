import binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import { forLoop, type KernelContext } from '../context.js';
import { constantB, emitGemm, emitPackPanels, PACK_MIN_ROWS, panelBytes, rowMajor, rowPitch, rowsAreBlocks, rowsOf, transposedStagingBytes, type GemmSpec, type Strided } from '../gemm.js';
import type { WasmKernel } from './kernel.js';

/**
 * Rows of b packed per GEMM: k (the batch) is a run-time count, so a computed b is packed and
 * contracted in chunks of at most this many rows, each chunk adding into the result.
 */
const K_CHUNK = 64;

const operandsOf = (node: Node) => {
  const [a, b, c] = node.inputs as [Node, Node, Node | undefined];
  const [m, n] = node.type.shape as [number, number];
  return { a, b, c, m, n };
};

/** Whether b is packed: computed, and enough result rows (columns of a) re-read it. */
const packs = (node: Node) => {
  const { b, m } = operandsOf(node);
  return !constantB(b) && m >= PACK_MIN_ROWS;
};

/**
 * aᵀ x b (+ c) for a[..., m] and b[..., n] (the weight gradient xᵀ·dy): the GEMM contracting every
 * leading axis, the batch included, so k is a run-time count; an accumulator c is the GEMM's
 * residual, added before the store.
 * With a computed b re-read by enough result rows, k goes in chunks of K_CHUNK rows: each chunk
 * packs its rows of b into panels, and the GEMM stages A's blocks of 4 rows (4 columns of a) when
 * reading them in place would crowd the cache (a's rows 512 bytes apart, as an LSTM(128)'s h);
 * the first chunk adds c, the later ones add into the result. A is read transposed in place:
 * element (i, r) at r·m + i, or r·pitch + i for a split piece.
 */
export const matmulTnKernel: WasmKernel = {
  // a's rows (m elements each) may be a split piece's blocks: its columns are then a pitch apart.
  readsBlocks: (node, operand, blocks) => operand === 0 && rowsAreBlocks(operandsOf(node).m, blocks),
  scratch(node) {
    const { m, n } = operandsOf(node);
    return { fixedBytes: packs(node) ? panelBytes(K_CHUNK, n) + transposedStagingBytes(m, K_CHUNK) : 0, bytesPerRow: 0 };
  },
  emit(ctx, node) {
    const { a, b, c, m, n } = operandsOf(node);
    const pitch = rowPitch(ctx, a, m);
    /** A = aᵀ from a's row `firstRow` on, read in place: element (i, r) at r·pitch + i. */
    const aFrom = (firstRow: () => binaryen.ExpressionRef): Strided => ({ addr: () => ctx.m.i32.add(ctx.addr(a), ctx.m.i32.mul(firstRow(), ctx.i32(pitch * 4))), rowStride: 1, colStride: pitch });
    const product = { m, k: rowsOf(ctx, a, m), n, c: rowMajor(ctx, node, n), ...(c ? { residual: rowMajor(ctx, c, n) } : {}) };
    if (packs(node)) return emitChunked(ctx, product, aFrom, rowMajor(ctx, b, n));
    return emitGemm(ctx, { ...product, a: aFrom(() => ctx.i32(0)), b: constantB(b) ?? rowMajor(ctx, b, n) });
  },
};

/**
 * The GEMM over chunks of K_CHUNK rows of k: each chunk packs its rows of b into the kernel's
 * scratch (A's staging after them), then adds its product into the result.
 */
function emitChunked(ctx: KernelContext, product: Omit<GemmSpec, 'a' | 'b'> & { m: number }, aFrom: (firstRow: () => binaryen.ExpressionRef) => Strided, b: Strided): binaryen.ExpressionRef {
  const { m } = ctx;
  const i32 = binaryen.i32;
  const [total, first, count] = [ctx.local(i32), ctx.local(i32), ctx.local(i32)];
  const get = (l: number) => () => m.local.get(l, i32);
  const rowsOfB = (row: () => binaryen.ExpressionRef): Strided => ({ addr: () => m.i32.add(b.addr(), m.i32.mul(row(), ctx.i32(b.rowStride * 4))), rowStride: b.rowStride, colStride: 1 });
  const panels = () => ctx.scratch();
  // Sized for a's rows read contiguously (scratch); the GEMM stages only if the actual pitch crowds the cache too.
  const stageA = transposedStagingBytes(product.m, K_CHUNK) > 0 ? { stageA: { at: () => ctx.scratch(panelBytes(K_CHUNK, product.n)), kCapacity: K_CHUNK } } : {};
  /** The chunk starting at row `first`: pack its rows of b, then add their product into `residual`. */
  const chunk = (residual: Strided | undefined) => [
    m.local.set(count, m.select(m.i32.lt_s(m.i32.sub(get(total)(), get(first)()), ctx.i32(K_CHUNK)), m.i32.sub(get(total)(), get(first)()), ctx.i32(K_CHUNK))),
    emitPackPanels(ctx, rowsOfB(get(first)), get(count), product.n, panels, K_CHUNK),
    emitGemm(ctx, { ...product, k: get(count), a: aFrom(get(first)), b: { panels, kCapacity: K_CHUNK }, residual, ...stageA }),
  ];
  const k = product.k;
  return m.block(null, [
    m.local.set(total, typeof k === 'number' ? ctx.i32(k) : k()),
    m.local.set(first, ctx.i32(0)),
    ...chunk(product.residual),
    // The later chunks, while first < total (the last may be short).
    forLoop(ctx, first, ctx.i32(K_CHUNK), () => m.i32.add(get(total)(), ctx.i32(K_CHUNK - 1)), K_CHUNK, chunk(product.c)),
  ]);
}
