/** The product of each line, accumulated in f32 in the interpreter's order. */
import type { KernelGenerator } from '../kernel.js';
import { sumKernel } from './reduce_sum.js';

export const reduceProdKernel: KernelGenerator = (node, ctx) => [sumKernel(node, ctx, 'prod')];
