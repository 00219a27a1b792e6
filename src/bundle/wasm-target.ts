import type { CompiledWasm } from '../codegen/wasm/module.js';
import { NncError } from '../errors.js';
import type { Graph, Node } from '../ir/graph.js';
import { printNode, valueNames } from '../ir/printer.js';
import { formatType } from '../ir/types.js';
import { nonRowLocalNodes } from '../ir/traits.js';
import { generateDts, type DtsMember } from './dts.js';
import { manifestFile, sha256 } from './manifest.js';
import { bundleSignature } from './signature.js';
import type { BundleFile, BundleTarget, TargetOptions } from './target.js';
import { WASM_FILES, wasmRuntime, type WasmRuntimeSpec } from './wasm-runtime.js';
import { MIN_ROWS_PER_WORKER, threadedFiles } from './wasm-threads.js';

/**
 * The WebAssembly target: a SIMD128 module, the same with fused multiply-adds (relaxed SIMD, for
 * engines that run it) and a scalar fallback, all with one memory layout; the loader model.js,
 * model.d.ts and manifest.json. `--weights external` moves the constant region into
 * model.weights.bin; `--single-file` inlines both modules into model.js.
 *
 * A row-local graph (every op row-local, see traits.ts) whose inputs all have the batch axis runs
 * large batches in chunks of rows and may split them over `--threads` workers; with an input
 * without a batch axis it runs a batch in one call and `--threads` is refused (NNC4006). Any other graph reads across the batch: it runs a
 * batch in one call (up to the rows its memory holds), and `--threads` is refused (NNC4006).
 */
export const wasmTarget: BundleTarget = {
  name: 'wasm',
  description: 'WebAssembly (relaxed SIMD or SIMD128, with a scalar fallback), for Node >= 20 and browsers',
  entry: 'model.js',
  asyncPredict: false,
  async emit(graph: Graph, options: TargetOptions): Promise<BundleFile[]> {
    // binaryen (~15 MB of JavaScript) loads here, when a WebAssembly module is built, not before.
    const acrossBatch = nonRowLocalNodes(graph);
    if (options.threads && acrossBatch.length > 0) throw threadsRefused(graph, acrossBatch[0]!, options.threads);
    if (options.threads && graph.loop)
      throw new NncError('NNC4006', `--threads ${options.threads} is not supported for a model whose sequences have any length (input '${graph.loop.sequences[0]}')`, {
        hint: 'Build without --threads: predict runs such a model one step at a time on the calling thread.',
      });
    const unbatched = graph.inputs.find((n) => !n.type.shape.includes(null));
    if (options.threads && unbatched)
      throw new NncError('NNC4006', `--threads ${options.threads} splits each batch into row ranges, but input '${unbatched.name}' (${formatType(unbatched.type)}) has no batch axis`, {
        location: { node: `%${unbatched.name}` },
        hint: 'Give the input a symbolic first axis (the batch), or build without --threads.',
      });
    const { compileWasm } = await import('../codegen/wasm/module.js');
    const simd = compileWasm(graph, { simd: true, weights: options.weights });
    const relaxed = compileWasm(graph, { simd: true, relaxedSimd: true, weights: options.weights });
    const scalar = compileWasm(graph, { simd: false, weights: options.weights });
    // The loader lays out memory once for whichever module it picks.
    if (JSON.stringify(relaxed.memory) !== JSON.stringify(simd.memory)) throw new Error('internal error: the relaxed-SIMD module plans memory unlike the SIMD one');
    const external = options.weights === 'external';
    const binaries = { relaxed: relaxed.binary, simd: simd.binary, scalar: scalar.binary };
    const runtime: WasmRuntimeSpec = {
      signature: bundleSignature(graph),
      sha256: {
        ...Object.fromEntries(Object.entries(binaries).map(([build, binary]) => [WASM_FILES[build as keyof typeof binaries], sha256(binary)])),
        ...(external ? { [WASM_FILES.weights]: sha256(simd.constants) } : {}),
      },
      memory: simd.memory,
      externalWeights: external,
      ...(acrossBatch.length > 0 ? { acrossBatch: shortName(graph, acrossBatch[0]!) } : {}),
      ...(options.singleFile ? { inline: binaries } : {}),
    };
    const files: BundleFile[] = options.threads
      ? [...threadedFiles(runtime, options.threads), { path: 'model.d.ts', contents: wasmDts(graph, options.threads) }]
      : [
          { path: 'model.js', contents: wasmRuntime(runtime) },
          { path: 'model.d.ts', contents: wasmDts(graph) },
        ];
    if (!options.singleFile) files.push(...Object.entries(binaries).map(([build, binary]) => ({ path: WASM_FILES[build as keyof typeof binaries], contents: binary })));
    if (external) files.push({ path: WASM_FILES.weights, contents: simd.constants });
    files.push(manifestFile(graph, 'wasm', files, wasmDetails(simd, relaxed, scalar, options, acrossBatch[0] && shortName(graph, acrossBatch[0]))));
    return files;
  },
};

/** model.d.ts; with `threads`, predict returns a Promise and the Model has dispose(). */
export function wasmDts(graph: Graph, threads?: number): string {
  const simd: DtsMember = { name: 'simd', type: 'boolean', doc: 'True when a SIMD build runs (false: the scalar fallback).' };
  const relaxed: DtsMember = { name: 'relaxed', type: 'boolean', doc: 'True when the relaxed-SIMD build runs (fused multiply-adds; its results may differ in the last bits between CPUs).' };
  const simdOption: DtsMember = { name: 'simd', type: 'boolean', optional: true, doc: 'Use a SIMD build (true) or the scalar one (false); default: detected.' };
  const relaxedOption: DtsMember = {
    name: 'relaxed',
    type: 'boolean',
    optional: true,
    doc: 'Use the relaxed-SIMD build, whose multiply-adds fuse where the CPU has FMA (true), or plain SIMD128, whose results do not depend on the CPU (false); default: detected.',
  };
  const verifyOption: DtsMember = {
    name: 'verify',
    type: 'boolean',
    optional: true,
    doc: "Check the SHA-256 of the module and weights files against the build's (as manifest.json lists them) before using them; default false.",
  };
  if (!threads) return generateDts(graph, { asyncPredict: false, backend: 'WebAssembly', modelMembers: [simd, relaxed], loadOptions: [simdOption, relaxedOption, verifyOption] });
  return generateDts(graph, {
    asyncPredict: true,
    backend: `WebAssembly on ${threads} worker threads`,
    modelMembers: [
      simd,
      relaxed,
      { name: 'threads', type: 'number', doc: 'How many workers share a large batch.' },
      { name: 'dispose', type: '() => void', doc: 'Terminates the workers; predict rejects afterwards. (Idle workers do not keep Node running.)' },
    ],
    loadOptions: [
      simdOption,
      relaxedOption,
      verifyOption,
      {
        name: 'minRowsPerWorker',
        type: 'number',
        optional: true,
        doc: `Rows each worker gets at least; a batch smaller than twice this runs on the calling thread (default ${MIN_ROWS_PER_WORKER}).`,
      },
    ],
  });
}

/** `softmax %3 (layer 'x')`: an op as the runtime's and the manifest's messages name it. */
function shortName(graph: Graph, node: Node): string {
  return `${node.op} %${valueNames(graph).get(node)}${node.layer ? ` (layer '${node.layer}')` : ''}`;
}

function threadsRefused(graph: Graph, node: Node, threads: number): NncError {
  const names = valueNames(graph);
  return new NncError(
    'NNC4006',
    `--threads ${threads} splits each batch into row ranges, but \`${printNode(node, names)}\` reads across the batch axis, so its rows depend on each other`,
    { location: { node: `%${names.get(node)}`, ...(node.layer ? { layer: node.layer } : {}) } },
  );
}

function wasmDetails(simd: CompiledWasm, relaxed: CompiledWasm, scalar: CompiledWasm, options: TargetOptions, acrossBatch: string | undefined) {
  const m = simd.memory;
  return {
    simdModuleBytes: simd.binary.byteLength,
    relaxedModuleBytes: relaxed.binary.byteLength,
    scalarModuleBytes: scalar.binary.byteLength,
    weights: options.weights,
    singleFile: options.singleFile,
    ...(options.threads ? { threads: options.threads } : {}),
    rowLocal: m.rowLocal,
    chunked: m.chunked,
    ...(m.unbatchedInputs.length > 0 ? { inputsWithoutBatchAxis: m.unbatchedInputs } : {}),
    ...(acrossBatch ? { readsAcrossBatch: acrossBatch } : {}),
    memoryBytes: m.memoryBytes,
    arenaFixedBytes: m.arena.fixedBytes,
    arenaBytesPerRow: m.arena.bytesPerRow,
    maxRowsPerRun: m.maxRows,
    constantBytes: m.constBytes,
    note: m.chunked
      ? `Every op is row-local. Linear memory is fixed at ${m.memoryBytes} bytes; batches above ${m.maxRows} rows run in chunks of ${m.maxRows}${options.threads ? `, and ${options.threads} workers split large batches by rows` : ''}.`
      : m.rowLocal
        ? `Input${m.unbatchedInputs.length === 1 ? '' : 's'} ${m.unbatchedInputs.join(', ')} ha${m.unbatchedInputs.length === 1 ? 's' : 've'} no batch axis, so a batch runs in one call, never in chunks, and --threads is refused. Linear memory is fixed at ${m.memoryBytes} bytes: a batch may hold at most ${m.maxRows} rows (larger ones throw a RangeError).`
        : `Not row-local: ${acrossBatch} reads across the batch, so a batch runs in one call, never in chunks, and --threads is refused. Linear memory is fixed at ${m.memoryBytes} bytes: a batch may hold at most ${m.maxRows} rows (larger ones throw a RangeError).`,
  };
}
