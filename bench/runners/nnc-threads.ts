import { bundleBuild, bundleModuleUrl, bundleShipped } from './nnc-bundle.js';
import type { Runner } from './types.js';

/** The bundle's public surface with `--threads` (see the generated model.d.ts). */
interface NncThreadedBundle {
  load(): Promise<{ predict(x: Float32Array, batch?: number): Promise<Float32Array | Record<string, Float32Array>>; dispose(): void; readonly simd: boolean; readonly relaxed: boolean }>;
}

/** The nnc WebAssembly bundle built with `--threads 2`: the same module on a pool of 2 workers. */
const runner: Runner = {
  name: 'nnc-threads',
  description: 'nnc bundle built with --threads 2 (2 workers, SIMD), await predict(x, batch)',
  unavailable: (ctx) => (ctx.nncThreadsDir ? null : 'no --threads bundle (nnc build --threads 2 failed)'),
  async open(ctx) {
    const model = await ((await import(bundleModuleUrl(ctx.nncThreadsDir!))) as NncThreadedBundle).load();
    return {
      async predict(x, batch) {
        const y = await model.predict(x, batch);
        return y instanceof Float32Array ? y : y[ctx.outputName]!;
      },
      dispose: () => model.dispose(),
      build: bundleBuild(model),
    };
  },
  shipped: (ctx) => bundleShipped(ctx.nncThreadsDir!, ' (--weights external; each worker loads its own copy; one module counted)'),
};

export default runner;
