/** x - max - log(sum(exp(x - max))) along an axis: the softmax kernel writing logs. */
import type { KernelGenerator } from '../kernel.js';
import { axisAttr, softmaxKernel } from './softmax.js';

export const logSoftmaxKernel: KernelGenerator = (node, ctx) => [softmaxKernel(node, node.inputs[0]!, ctx, axisAttr(node), 'log_softmax')];
