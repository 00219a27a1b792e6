import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Runner } from './types.js';
import { openOrt } from './ort-common.js';

/** onnxruntime-web (WebAssembly, SIMD), one thread, on the exported ONNX model. */
const runner: Runner = {
  name: 'ort-web',
  description: 'onnxruntime-web 1.30, wasm EP (SIMD, 1 thread), on the exported ONNX model',
  async open(ctx) {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(readFileSync(ctx.onnxFile), { executionProviders: ['wasm'] });
    return openOrt(ctx, ort.Tensor, session);
  },
  shipped: (ctx) => {
    const dist = (f: string) => join(ctx.root, 'node_modules/onnxruntime-web/dist', f);
    return {
      code: [dist('ort.wasm.bundle.min.mjs'), dist('ort-wasm-simd-threaded.wasm')],
      weights: [ctx.onnxFile],
      note: 'ort.wasm.bundle.min.mjs + ort-wasm-simd-threaded.wasm; weights = model.onnx',
    };
  },
};

export default runner;
