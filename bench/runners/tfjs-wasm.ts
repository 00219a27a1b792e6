import { join } from 'node:path';
import type { Runner } from './types.js';
import { openTfjsLayers, tfjsShipped } from './tfjs-common.js';

const distDir = (root: string) => join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/');

/** @tensorflow/tfjs with its WebAssembly backend (XNNPACK, SIMD), one thread. */
const runner: Runner = {
  name: 'tfjs-wasm',
  description: '@tensorflow/tfjs 4.22, wasm backend (SIMD, 1 thread), LayersModel.predict',
  async open(ctx) {
    const tf = await import('@tensorflow/tfjs-core');
    const tfl = await import('@tensorflow/tfjs-layers');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // In Node the backend reads its .wasm from a file path (with the trailing slash).
    wasm.setWasmPaths(distDir(ctx.root));
    wasm.setThreadsCount(1);
    await tf.setBackend('wasm');
    return openTfjsLayers(ctx, tf, tfl);
  },
  shipped: (ctx) =>
    tfjsShipped(
      ctx,
      ['tfjs-backend-wasm/tf-backend-wasm.fesm.min.js', 'tfjs-backend-wasm/tfjs-backend-wasm-simd.wasm'],
      'tf-backend-wasm (*.fesm.min.js) + tfjs-backend-wasm-simd.wasm (the one .wasm a SIMD browser fetches)',
    ),
};

export default runner;
