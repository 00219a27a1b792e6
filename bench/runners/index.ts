/**
 * The runner table: one entry per engine, in table order, nnc first (the ratio baseline).
 * `--webgpu` adds the entries marked `webgpu` (nnc-webgpu and tfjs-webgpu, on the same
 * Dawn device) — adding an engine is one runner file and one line here.
 */
import nnc from './nnc.js';
import nncThreads from './nnc-threads.js';
import nncWebGpu from './nnc-webgpu.js';
import ortNode from './ort-node.js';
import ortWeb from './ort-web.js';
import tfjsCpu from './tfjs-cpu.js';
import tfjsWasm from './tfjs-wasm.js';
import tfjsWebGpu from './tfjs-webgpu.js';
import type { Runner } from './types.js';

export interface RunnerEntry {
  readonly runner: Runner;
  /** Only with `--webgpu`. */
  readonly webgpu?: boolean;
}

export const RUNNERS: readonly RunnerEntry[] = [
  { runner: nnc },
  { runner: nncThreads },
  { runner: tfjsCpu },
  { runner: tfjsWasm },
  { runner: ortWeb },
  { runner: ortNode },
  { runner: nncWebGpu, webgpu: true },
  { runner: tfjsWebGpu, webgpu: true },
];

export function selectRunners(options: { webgpu: boolean; only?: readonly string[] }): RunnerEntry[] {
  const known = RUNNERS.map((e) => e.runner.name);
  const unknown = options.only?.filter((n) => !known.includes(n)) ?? [];
  if (unknown.length) throw new Error(`unknown runner(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return RUNNERS.filter((e) => (options.only ? options.only.includes(e.runner.name) : !e.webgpu || options.webgpu));
}

/** The nnc runner a row's ratios compare with: WebGPU engines with nnc's WebGPU bundle. */
export const baselineOf = (entry: RunnerEntry): string => (entry.webgpu ? nncWebGpu.name : nnc.name);
