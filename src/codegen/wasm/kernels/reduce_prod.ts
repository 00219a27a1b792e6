import type { WasmKernel } from './kernel.js';
import { emitSum } from './reduce_sum.js';

/** The product of each line, in f64 in the interpreter's order. */
export const reduceProdKernel: WasmKernel = { emit: (ctx, node) => emitSum(ctx, node, 'prod') };
