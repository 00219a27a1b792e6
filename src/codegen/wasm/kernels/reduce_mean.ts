import type { WasmKernel } from './kernel.js';
import { emitSum } from './reduce_sum.js';

/** The sum divided by the line's count (which holds the rows when the batch is reduced). */
export const reduceMeanKernel: WasmKernel = { emit: (ctx, node) => emitSum(ctx, node, 'mean') };
