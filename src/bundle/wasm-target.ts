import { compileWasm, type CompiledWasm } from '../codegen/wasm/module.js';
import type { Graph } from '../ir/graph.js';
import type { MemoryPlan } from '../passes/memory-plan-types.js';
import { generateDts } from './dts.js';
import { manifestFile } from './manifest.js';
import { bundleSignature } from './signature.js';
import type { BundleFile, BundleTarget, TargetOptions } from './target.js';
import { WASM_FILES, wasmRuntime } from './wasm-runtime.js';

/**
 * The WebAssembly target: a SIMD128 module and a scalar fallback (same memory layout), the loader
 * model.js, model.d.ts and manifest.json. `--weights external` moves the constant region into
 * model.weights.bin; `--single-file` inlines both modules into model.js.
 */
export const wasmTarget: BundleTarget = {
  name: 'wasm',
  description: 'WebAssembly (SIMD128 with a scalar fallback), for Node >= 20 and browsers',
  entry: 'model.js',
  asyncPredict: false,
  async emit(graph: Graph, plan: MemoryPlan, options: TargetOptions): Promise<BundleFile[]> {
    const simd = compileWasm(graph, plan, { simd: true, weights: options.weights });
    const scalar = compileWasm(graph, plan, { simd: false, weights: options.weights });
    const external = options.weights === 'external';
    const files: BundleFile[] = [
      {
        path: 'model.js',
        contents: wasmRuntime({
          signature: bundleSignature(graph),
          memory: simd.memory,
          externalWeights: external,
          ...(options.singleFile ? { inline: { simd: simd.binary, scalar: scalar.binary } } : {}),
        }),
      },
      { path: 'model.d.ts', contents: wasmDts(graph) },
    ];
    if (!options.singleFile) files.push({ path: WASM_FILES.simd, contents: simd.binary }, { path: WASM_FILES.scalar, contents: scalar.binary });
    if (external) files.push({ path: WASM_FILES.weights, contents: simd.constants });
    files.push(manifestFile(graph, 'wasm', files, wasmDetails(simd, scalar, options)));
    return files;
  },
};

export function wasmDts(graph: Graph): string {
  return generateDts(graph, {
    asyncPredict: false,
    backend: 'WebAssembly',
    modelMembers: [{ name: 'simd', type: 'boolean', doc: 'True when the SIMD128 build runs (false: the scalar fallback).' }],
    loadOptions: [{ name: 'simd', type: 'boolean', optional: true, doc: 'Use the SIMD128 build (true) or the scalar one (false); default: detected.' }],
  });
}

function wasmDetails(simd: CompiledWasm, scalar: CompiledWasm, options: TargetOptions) {
  const m = simd.memory;
  return {
    simdModuleBytes: simd.binary.byteLength,
    scalarModuleBytes: scalar.binary.byteLength,
    weights: options.weights,
    singleFile: options.singleFile,
    memoryBytes: m.memoryBytes,
    arenaBytesPerRow: m.arenaBytesPerRow,
    maxRowsPerRun: m.maxRows,
    constantBytes: m.constBytes,
    note: `Linear memory is fixed at ${m.memoryBytes} bytes; batches above ${m.maxRows} rows run in chunks of ${m.maxRows}.`,
  };
}
