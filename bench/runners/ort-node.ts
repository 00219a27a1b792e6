import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Runner } from './types.js';
import { openOrt } from './ort-common.js';

/** onnxruntime-node (native CPU build), one thread: the reference a Node user would otherwise pick. */
const runner: Runner = {
  name: 'ort-node',
  description: 'onnxruntime-node 1.30, native CPU EP (1 thread), on the exported ONNX model',
  async open(ctx) {
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(ctx.onnxFile, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
    return openOrt(ctx, ort.Tensor, session);
  },
  shipped: (ctx) => {
    const pkg = (p: string) => join(ctx.root, 'node_modules', p);
    const files = (dir: string, ext: string) => readdirSync(pkg(dir)).filter((f) => f.endsWith(ext)).map((f) => join(pkg(dir), f));
    return {
      code: [...files('onnxruntime-node/bin/napi-v6/linux/x64', ''), ...files('onnxruntime-node/dist', '.js'), ...files('onnxruntime-common/dist/esm', '.js')],
      weights: [ctx.onnxFile],
      note: 'native: onnxruntime_binding.node + libonnxruntime.so (linux-x64) + its JS; not shippable to browsers',
    };
  },
};

export default runner;
