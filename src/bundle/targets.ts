import type { BundleTarget } from './target.js';
import { webgpuTarget } from '../codegen/wgsl/target.js';
import { wasmTarget } from './wasm-target.js';

/** Every bundle target by name; `nnc build --target` picks from this table. */
export const TARGETS: Readonly<Record<string, BundleTarget>> = {
  wasm: wasmTarget,
  webgpu: webgpuTarget,
};
