/** The largest real cell of each window. */
import type { KernelGenerator } from '../kernel.js';
import { poolWindowKernel } from './pool-window.js';

export const maxPool2dKernel: KernelGenerator = (node, ctx) => [poolWindowKernel(node, ctx, { init: 'first', step: 'acc = select(acc, v, v > acc)', result: 'acc' })];
