import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundleModuleUrl, bundleShipped } from './nnc-bundle.js';
import { nodeWebGpu } from './node-webgpu.js';
import type { Runner } from './types.js';

/** The WebGPU bundle's public surface (see its generated .d.ts). */
interface NncWebGpuBundle {
  load(options: { gpu: unknown }): Promise<{ predict(x: Float32Array, batch?: number): Promise<Float32Array | Record<string, Float32Array>>; dispose(): Promise<void> }>;
}

/** The nnc WebGPU bundle (`nnc build --target webgpu`), on the device of node-webgpu.ts. */
const runner: Runner = {
  name: 'nnc-webgpu',
  description: 'nnc WebGPU bundle (ES module + WGSL), predict(x, batch)',
  unavailable(ctx) {
    if (!ctx.nncWebGpuDir) return 'no nnc WebGPU bundle (nnc build --target webgpu failed or is not available)';
    return existsSync(join(ctx.nncWebGpuDir, 'manifest.json')) ? null : `no manifest.json in ${ctx.nncWebGpuDir}`;
  },
  async open(ctx) {
    const gpu = await nodeWebGpu();
    const model = await ((await import(bundleModuleUrl(ctx.nncWebGpuDir!))) as NncWebGpuBundle).load({ gpu });
    return {
      async predict(x, batch) {
        const y = await model.predict(x, batch);
        return y instanceof Float32Array ? y : y[ctx.outputName]!;
      },
      dispose: () => model.dispose(),
    };
  },
  shipped: (ctx) => bundleShipped(ctx.nncWebGpuDir!, ''),
};

export default runner;
