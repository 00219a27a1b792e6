import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TargetOptions } from '../../src/bundle/target.js';
import { wasmTarget } from '../../src/bundle/wasm-target.js';
import { writeBundle } from '../../src/bundle/writer.js';
import type { Graph } from '../../src/ir/graph.js';
import { optimize } from '../../src/passes/index.js';
import { tempDir } from './temp.js';
import { relaxedSimdAvailable } from '../../src/train/relaxed-simd.js';

/** The public surface of a generated wasm bundle (what model.d.ts declares). */
export interface WasmModel {
  predict(inputs: Float32Array | Record<string, Float32Array>, batch?: number): Float32Array | Record<string, Float32Array>;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly simd: boolean;
  readonly relaxed: boolean;
}

export interface WasmBundleModule {
  load(options?: { simd?: boolean; relaxed?: boolean }): Promise<WasmModel>;
}

export interface BuiltWasmBundle {
  /** The bundle directory, under the system temp dir (no node_modules anywhere above it). */
  readonly dir: string;
  readonly optimized: Graph;
  import(): Promise<WasmBundleModule>;
}

/** Optimizes and plans the graph, then writes the wasm bundle as `nnc build` would. */
export async function buildWasmBundle(graph: Graph, options: Partial<TargetOptions> = {}): Promise<BuiltWasmBundle> {
  const optimized = optimize(graph);
  const files = await wasmTarget.emit(optimized, { singleFile: false, weights: 'embedded', ...options });
  const dir = join(tempDir('wasm'), 'bundle');
  await writeBundle(dir, files);
  const entry = pathToFileURL(join(dir, 'model.js')).href;
  return { dir, optimized, import: () => import(/* @vite-ignore */ entry) as Promise<WasmBundleModule> };
}

/** Outputs keyed by name, whether the model has one output or several. */
export function outputsByName(result: Float32Array | Record<string, Float32Array>, outputNames: readonly string[]): Record<string, Float32Array> {
  return result instanceof Float32Array ? { [outputNames[0]!]: result } : result;
}

/** predict's first argument: the lone Float32Array, or the object keyed by input name. */
export function predictArgument(inputs: Record<string, Float32Array>): Float32Array | Record<string, Float32Array> {
  const values = Object.values(inputs);
  return values.length === 1 ? values[0]! : inputs;
}

/**
 * The bundle's three builds, each with the name a test message gives it: relaxed SIMD (fused
 * multiply-adds; on Node 20 once the probe has set V8's flag), SIMD128, and scalar.
 */
export async function loadEveryBuild(bundle: WasmBundleModule): Promise<{ readonly name: string; readonly model: WasmModel }[]> {
  if (!relaxedSimdAvailable()) throw new Error('this Node cannot compile relaxed SIMD');
  return [
    { name: 'wasm relaxed simd', model: await bundle.load({ relaxed: true }) },
    { name: 'wasm simd', model: await bundle.load({ relaxed: false }) },
    { name: 'wasm scalar', model: await bundle.load({ simd: false }) },
  ];
}
