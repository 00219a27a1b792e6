import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundleBuild, bundleModuleUrl, bundleShipped } from './nnc-bundle.js';
import type { Runner } from './types.js';

/** The bundle's public surface (see the generated model.d.ts). */
interface NncBundle {
  load(): Promise<{ predict(x: Float32Array, batch?: number): Float32Array | Record<string, Float32Array>; readonly simd: boolean; readonly relaxed: boolean }>;
}

/** The nnc WebAssembly bundle (`nnc build`): model.js + model.wasm, no runtime library. */
const runner: Runner = {
  name: 'nnc',
  description: 'nnc bundle (model.js + its fastest build this engine runs, 1 thread), predict(x, batch)',
  unavailable(ctx) {
    if (!ctx.nncDir) return 'no nnc bundle (nnc build failed or is not available)';
    return existsSync(join(ctx.nncDir, 'manifest.json')) ? null : `no manifest.json in ${ctx.nncDir}`;
  },
  async open(ctx) {
    const model = await ((await import(bundleModuleUrl(ctx.nncDir!))) as NncBundle).load();
    return {
      predict(x, batch) {
        const y = model.predict(x, batch);
        return y instanceof Float32Array ? y : y[ctx.outputName]!;
      },
      build: bundleBuild(model),
    };
  },
  shipped: (ctx) =>
    ctx.nncExternalDir
      ? bundleShipped(ctx.nncExternalDir, ' (the --weights external build of the same model; one module counted: model.relaxed.wasm and model.scalar.wasm are the alternatives a browser fetches instead)')
      : bundleShipped(ctx.nncDir!, ' (weights inside the wasm)'),
};

export default runner;
