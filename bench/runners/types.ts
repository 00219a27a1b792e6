/**
 * The contract every benchmarked engine implements. A runner is one small module whose engine
 * library is imported *inside* `open()`, so that the cold-start measurement (import to first
 * result in a fresh process) counts loading the library, and so that listing runners is free.
 * Runner modules import nothing but node built-ins and their engine: they are also run as plain
 * JavaScript in fresh `node` processes (see compile-children.ts).
 */

/** Everything a runner needs to find the model, written once per run by prepare.ts. */
export interface BenchContext {
  /** Repository root (absolute). */
  readonly root: string;
  /** The nnc bundle directory (model.js, model.wasm, ...), or null when it could not be built. */
  readonly nncDir: string | null;
  /** The same bundle built with `--weights external`, so that code and weights count apart. */
  readonly nncExternalDir: string | null;
  /** The same model built with `--threads 2 --weights external` (big batches split over 2 workers). */
  readonly nncThreadsDir: string | null;
  /** The WebGPU bundle (`--target webgpu`), built only for `--webgpu` runs. */
  readonly nncWebGpuDir: string | null;
  /** The model exported to ONNX (src/export/onnx.ts). */
  readonly onnxFile: string;
  /** The model as a tfjs Layers artifact: model.json and weights.bin. */
  readonly tfjsDir: string;
  readonly inputName: string;
  readonly outputName: string;
  /** Shape of one input row, batch axis excluded ([28, 28] for the seed model). */
  readonly rowShape: readonly number[];
  /** Elements of one output row. */
  readonly outputSize: number;
}

/** A loaded model, ready to predict. `predict` returns the flat float32 output of `batch` rows. */
export interface Session {
  predict(x: Float32Array, batch: number): Float32Array | Promise<Float32Array>;
  dispose?(): void | Promise<void>;
  /** Which of the engine's builds runs, where it picks one at load (nnc: relaxed SIMD, SIMD128 or scalar). */
  readonly build?: string;
}

/** The files a user of this engine ships to run the model (absolute paths). */
export interface ShippedFiles {
  readonly code: readonly string[];
  readonly weights: readonly string[];
  /** What was counted and why, shown under the table. */
  readonly note: string;
}

export interface Runner {
  /** Short name used on the command line and in the table (`tfjs-wasm`). */
  readonly name: string;
  readonly description: string;
  /** Why this runner cannot run in `ctx`, or null when it can. */
  unavailable?(ctx: BenchContext): string | null;
  open(ctx: BenchContext): Promise<Session>;
  shipped(ctx: BenchContext): ShippedFiles;
}
