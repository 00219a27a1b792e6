import binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import { forLoop, type KernelContext } from '../context.js';
import { constantB, emitGemm, emitPackPanels, PACK_MIN_ROWS, panelBytes, rowMajor, rowPitch, rowsAreBlocks, rowsOf, type GemmSpec, type Strided } from '../gemm.js';
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
 * leading axis, the batch included, so k is a run-time count. A is read transposed in place
 * (element (i, r) at r·m + i, or r·pitch + i for a split piece); an accumulator c is the GEMM's
 * residual, added before the store.
 * A computed b (rows a row stride apart, re-read by every block of 4 result rows) is packed into
 * panels K_CHUNK rows at a time; the first chunk adds c, the later ones add into the result.
 */
export const matmulTnKernel: WasmKernel = {
  // a's rows (m elements each) may be a split piece's blocks: its columns are then a pitch apart.
  readsBlocks: (node, operand, blocks) => operand === 0 && rowsAreBlocks(operandsOf(node).m, blocks),
  scratch(node) {
    return { fixedBytes: packs(node) ? panelBytes(K_CHUNK, operandsOf(node).n) : 0, bytesPerRow: 0 };
  },
  emit(ctx, node) {
    const { a, b, c, m, n } = operandsOf(node);
    const k = rowsOf(ctx, a, m);
    const pitch = rowPitch(ctx, a, m);
    const aOf = (firstRow: () => binaryen.ExpressionRef): Strided => ({ addr: () => ctx.m.i32.add(ctx.addr(a), ctx.m.i32.mul(firstRow(), ctx.i32(pitch * 4))), rowStride: 1, colStride: pitch });
    const gemm: GemmSpec = { m, k, n, a: aOf(() => ctx.i32(0)), b: constantB(b) ?? rowMajor(ctx, b, n), c: rowMajor(ctx, node, n), ...(c ? { residual: rowMajor(ctx, c, n) } : {}) };
    return packs(node) ? emitChunked(ctx, gemm, rowMajor(ctx, b, n), aOf) : emitGemm(ctx, gemm);
  },
};

/** The GEMM over chunks of K_CHUNK rows of k, each packing its rows of b into the kernel's scratch first. */
function emitChunked(ctx: KernelContext, gemm: GemmSpec, b: Strided, aOf: (firstRow: () => binaryen.ExpressionRef) => Strided): binaryen.ExpressionRef {
  const { m } = ctx;
  const i32 = binaryen.i32;
  const [total, first, count] = [ctx.local(i32), ctx.local(i32), ctx.local(i32)];
  const get = (l: number) => () => m.local.get(l, i32);
  const rowsOfB = (row: () => binaryen.ExpressionRef): Strided => ({ addr: () => m.i32.add(b.addr(), m.i32.mul(row(), ctx.i32(b.rowStride * 4))), rowStride: b.rowStride, colStride: 1 });
  /** The chunk starting at row `first`: pack its rows, then add their product into `residual`. */
  const chunk = (residual: Strided | undefined) => [
    m.local.set(count, m.select(m.i32.lt_s(m.i32.sub(get(total)(), get(first)()), ctx.i32(K_CHUNK)), m.i32.sub(get(total)(), get(first)()), ctx.i32(K_CHUNK))),
    emitPackPanels(ctx, rowsOfB(get(first)), get(count), gemm.n, () => ctx.scratch(), K_CHUNK),
    emitGemm(ctx, { ...gemm, k: get(count), a: aOf(get(first)), b: { panels: () => ctx.scratch(), kCapacity: K_CHUNK }, residual }),
  ];
  const k = gemm.k;
  return m.block(null, [
    m.local.set(total, typeof k === 'number' ? ctx.i32(k) : k()),
    m.local.set(first, ctx.i32(0)),
    ...chunk(gemm.residual),
    // The later chunks, while first < total (the last may be short).
    forLoop(ctx, first, ctx.i32(K_CHUNK), () => m.i32.add(get(total)(), ctx.i32(K_CHUNK - 1)), K_CHUNK, chunk(gemm.c)),
  ]);
}
