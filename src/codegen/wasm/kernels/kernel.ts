import type binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import type { AffineBytes } from '../../../passes/memory-plan-types.js';
import type { KernelContext } from '../context.js';

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
}
