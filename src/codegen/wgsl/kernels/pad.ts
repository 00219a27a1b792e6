/** Zeros before and after x along one non-batch axis. */
import type { KernelGenerator } from '../kernel.js';
import { shiftAlongAxisKernel } from './shift-axis.js';

export const padKernel: KernelGenerator = (node, ctx) => [shiftAlongAxisKernel(node, ctx, -(node.attrs.before as number))];
