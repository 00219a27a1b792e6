/** The largest real cell of each window. */
import type { KernelGenerator } from '../kernel.js';
import { MAX_POOL_STEP, poolWindowKernel } from './pool-window.js';

export const maxPool2dKernel: KernelGenerator = (node, ctx) => [poolWindowKernel(node, ctx, { init: 'first', step: MAX_POOL_STEP, result: 'acc' })];
