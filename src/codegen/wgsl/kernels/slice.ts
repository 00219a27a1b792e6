/** `size` entries from `begin` along one non-batch axis. */
import type { KernelGenerator } from '../kernel.js';
import { shiftAlongAxisKernel } from './shift-axis.js';

export const sliceKernel: KernelGenerator = (node, ctx) => [shiftAlongAxisKernel(node, ctx, Number(node.attrs.begin))];
