/** x - max - log(sum(exp(x - max))) along an axis: the softmax kernel writing logs. */
import type { KernelGenerator } from '../kernel.js';
import { softmaxKernel } from './softmax.js';

export const logSoftmaxKernel: KernelGenerator = (node, ctx) => [softmaxKernel(node, node.inputs[0]!, ctx, node.attrs.axis as number, 'log_softmax')];
