/** The sum divided by the line's length (which holds the batch when the batch axis is reduced). */
import type { KernelGenerator } from '../kernel.js';
import { sumKernel } from './reduce_sum.js';

export const reduceMeanKernel: KernelGenerator = (node, ctx) => [sumKernel(node, ctx, 'mean')];
