import type binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import type { AffineBytes, RowBlocks } from '../../../passes/memory-plan-types.js';
import type { KernelContext } from '../context.js';
import type { DType } from '../../../ir/types.js';

/**
 * The wasm code of one op: the body of the node's function `(param $rows i32)`, which computes
 * the node's value for `rows` batch rows. Views (reshape) have no kernel: they share memory.
 */
export interface WasmKernel {
  emit(ctx: KernelContext, node: Node): binaryen.ExpressionRef;
  /**
   * Scratch memory the kernel needs while it runs (a packed operand, a workspace), placed by the
   * memory plan; `ctx.scratch()` is its address. Absent: none.
   */
  scratch?(node: Node): AffineBytes;
  /**
   * Scratch shared with the other kernels that ask for the same key (a computed operand packed
   * once for all its products), placed by the memory plan; `ctx.shared()` says where, and whether
   * this kernel fills it. Absent: none.
   */
  sharedScratch?(node: Node): { readonly key: string; readonly bytes: number } | undefined;
  /**
   * The dtypes of the values it reads and writes: kernels that only move 4-byte elements (copies,
   * gathers) take i32 as well as f32. Absent: f32 only. (bool is stored one byte per element.)
   */
  readonly dtypes?: readonly DType[];
  /**
   * Whether the kernel reads its operand number `operand` in place when it is stored as `blocks`
   * (a piece of a split, see split-views.ts; `ctx.blocks` says so at emit time). Absent: never.
   */
  readsBlocks?(node: Node, operand: number, blocks: RowBlocks): boolean;
  /**
   * The operand whose bytes the kernel may write its result over (the memory plan's
   * OverwriteRequest): it reads each element of that operand just before it stores the same
   * element of the result, and no other. Absent: none (elementwise kernels work in place by
   * their trait).
   */
  overwrites?(node: Node): number | undefined;
}

/** What the kernels that move 4-byte elements without arithmetic take. */
export const WORD_DTYPES: readonly DType[] = ['f32', 'i32'];
/** A kernel that moves 4-byte elements, so it takes i32 values as well as f32. */
export const movesWords = (kernel: WasmKernel): WasmKernel => ({ ...kernel, dtypes: WORD_DTYPES });
