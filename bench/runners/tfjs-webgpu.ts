import type { Runner } from './types.js';
import { nodeWebGpu } from './node-webgpu.js';
import { openTfjsLayers, tfjsShipped } from './tfjs-common.js';

/** @tensorflow/tfjs with its WebGPU backend, on the device of node-webgpu.ts. */
const runner: Runner = {
  name: 'tfjs-webgpu',
  description: '@tensorflow/tfjs 4.22, webgpu backend (Dawn), LayersModel.predict + await data()',
  async open(ctx) {
    await nodeWebGpu();
    const tf = await import('@tensorflow/tfjs-core');
    const tfl = await import('@tensorflow/tfjs-layers');
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs could not initialize its webgpu backend');
    return openTfjsLayers(ctx, tf, tfl, { asyncRead: true });
  },
  shipped: (ctx) => tfjsShipped(ctx, ['tfjs-backend-webgpu/tf-backend-webgpu.fesm.min.js'], 'tf-backend-webgpu (*.fesm.min.js)'),
};

export default runner;
