import type { Graph } from '../ir/graph.js';

/** One file of a bundle, written by the bundle writer (temp dir, then an atomic rename). */
export interface BundleFile {
  readonly path: string;
  readonly contents: string | Uint8Array;
}

export interface TargetOptions {
  /** Inline binary payloads into the JS module (one-file bundle). */
  readonly singleFile: boolean;
  /** Where weights go: inside the module's data ('embedded') or a file beside it ('external'). */
  readonly weights: 'embedded' | 'external';
  /** `--threads N` (wasm only): model.js runs predict on N workers and returns a Promise. */
  readonly threads?: number;
}

/**
 * A code generator that turns an optimized graph into bundle files. The wasm and webgpu
 * backends each provide one; `nnc build --target` picks them from the table in targets.ts.
 */
export interface BundleTarget {
  readonly name: string;
  readonly description: string;
  /** The ES module users import (`load()` lives there). */
  readonly entry: string;
  /** Whether `model.predict` returns a Promise (GPU readback) or the result itself. */
  readonly asyncPredict: boolean;
  emit(graph: Graph, options: TargetOptions): Promise<BundleFile[]>;
}
