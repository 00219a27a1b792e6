/** The sum of each window's real cells divided by their count. */
import type { KernelGenerator } from '../kernel.js';
import { poolWindowKernel } from './pool-window.js';

export const avgPool2dKernel: KernelGenerator = (node, ctx) => [poolWindowKernel(node, ctx, { init: '0.0', step: 'acc += v', result: 'acc / count' })];
