/**
 * WebGPU for tests: Dawn (the `webgpu` package) on SwiftShader, the CPU Vulkan driver Debian's
 * chromium package ships, and a builder that writes a model's WebGPU bundle and imports it.
 * No adapter is a failure, not a skip: CI installs the driver, and the message says how.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { webgpuTarget } from '../../src/codegen/wgsl/target.js';
import type { Graph } from '../../src/ir/graph.js';
import { optimize } from '../../src/passes/index.js';
import type { TargetOptions } from '../../src/bundle/target.js';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export const INSTALL_HINT =
  'WebGPU tests run on SwiftShader: install it with `apt-get install -y chromium libvulkan1` ' +
  `(it provides ${SWIFTSHADER_ICD}), or point VK_ICD_FILENAMES at another Vulkan driver.`;

let gpu: Promise<GPU> | undefined;

/** A GPU object backed by Dawn; throws with the install hint when no adapter is available. */
export function dawnGpu(): Promise<GPU> {
  gpu ??= (async () => {
    if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    // The Vulkan loader probes for a display server and complains on stderr without this.
    process.env.XDG_RUNTIME_DIR ??= tmpdir();
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const g = create([]) as GPU;
    const adapter = await g.requestAdapter();
    if (!adapter) throw new Error(`no WebGPU adapter found. ${INSTALL_HINT}`);
    return g;
  })();
  return gpu;
}

/** What the bundle's load() returns (its model.webgpu.d.ts, for any model). */
export interface WebGpuModel {
  readonly device: GPUDevice;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  predict(inputs: Float32Array | Record<string, Float32Array>, batch?: number): Promise<Float32Array | Record<string, Float32Array>>;
  dispose(): Promise<void>;
}

export interface WebGpuBundleModule {
  load(options?: { gpu?: GPU; device?: GPUDevice; weights?: ArrayBuffer | ArrayBufferView; verify?: boolean }): Promise<WebGpuModel>;
  /** Thrown for GPU problems (no WebGPU, no adapter, lost device, shader errors); `code` says which. */
  NncWebGpuError: new (...args: never[]) => Error & { code: string };
}

export interface BuiltBundle {
  readonly dir: string;
  readonly optimized: Graph;
  import(): Promise<WebGpuBundleModule>;
}

export interface BuildOptions extends Partial<TargetOptions> {
  /** Run the pass pipeline first, as `nnc build` does (default); false compiles unfused ops. */
  readonly optimize?: boolean;
}

/** Optimizes and plans the graph, writes the webgpu bundle to a temp dir. */
export async function buildWebGpuBundle(graph: Graph, options: BuildOptions = {}): Promise<BuiltBundle> {
  const { optimize: runPasses = true, ...target } = options;
  const optimized = runPasses ? optimize(graph) : graph;
  const files = await webgpuTarget.emit(optimized, { singleFile: false, weights: 'external', ...target });
  const dir = mkdtempSync(join(tmpdir(), 'nnc-webgpu-'));
  for (const f of files) writeFileSync(join(dir, f.path), f.contents);
  const entry = pathToFileURL(join(dir, 'model.webgpu.js')).href;
  return { dir, optimized, import: () => import(/* @vite-ignore */ entry) as Promise<WebGpuBundleModule> };
}

/** Outputs keyed by name, whether the model has one output or several. */
export function byName(result: Float32Array | Record<string, Float32Array>, outputNames: readonly string[]): Record<string, Float32Array> {
  return result instanceof Float32Array ? { [outputNames[0]!]: result } : result;
}

/** predict's first argument: the array itself for a one-input model, else the named arrays. */
export function predictInput(graph: Graph, flat: Record<string, Float32Array>): Float32Array | Record<string, Float32Array> {
  return graph.inputs.length === 1 ? flat[graph.inputs[0]!.name!]! : flat;
}
