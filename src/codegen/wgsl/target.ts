/**
 * `--target webgpu`: one WGSL compute shader per fused kernel plus the host runtime that binds
 * buffers and dispatches them: model.webgpu.js, its .d.ts, manifest.json, and model.webgpu.bin
 * unless the weights are inline.
 */
import { generateDts } from '../../bundle/dts.js';
import { manifestFile } from '../../bundle/manifest.js';
import type { BundleFile, BundleTarget } from '../../bundle/target.js';
import { NncError, NncErrorList } from '../../errors.js';
import type { Graph } from '../../ir/graph.js';
import { isRowsTimesMatrix } from '../../ir/ops/matmul.js';
import { valueNames } from '../../ir/printer.js';
import { formatType } from '../../ir/types.js';
import { planMemory } from '../../passes/plan-memory.js';
import { renderModule } from './bundle.js';
import { buildProgram, type ShaderProgram } from './program.js';

export const WEBGPU_BASENAME = 'model.webgpu';

export const webgpuTarget: BundleTarget = {
  name: 'webgpu',
  description: 'WebGPU (WGSL compute shaders and a small host runtime), for browsers and Node with a WebGPU implementation',
  entry: `${WEBGPU_BASENAME}.js`,
  asyncPredict: true,
  async emit(graph, options) {
    checkBatchAxes(graph);
    const program = buildProgram(graph, planMemory(graph));
    const inline = options.singleFile || options.weights === 'embedded';
    const { js, weightsFile } = renderModule(program, WEBGPU_BASENAME, inline);
    const files: BundleFile[] = [
      { path: `${WEBGPU_BASENAME}.js`, contents: js },
      { path: `${WEBGPU_BASENAME}.d.ts`, contents: webgpuDts(graph) },
    ];
    if (weightsFile) files.push({ path: weightsFile.path, contents: weightsFile.bytes });
    files.push(manifestFile(graph, 'webgpu', files, webgpuDetails(program, inline)));
    return files;
  },
};

/**
 * What the WebGPU target does not run yet, reported at once: matmuls other than rows times a
 * [k, n] matrix without a batch axis (its tiled kernel reads one matrix). The wasm target runs them.
 */
function checkBatchAxes(graph: Graph): void {
  const names = valueNames(graph);
  const at = (n: Graph['nodes'][number]) => ({ location: { node: `%${names.get(n)}`, ...(n.layer ? { layer: n.layer } : {}) }, hint: 'Build it with --target wasm, which runs it.' });
  const problems = graph.nodes
    .filter((n) => n.op === 'matmul' && !isRowsTimesMatrix(n.inputs[0]!.type, n.inputs[1]!.type))
    .map((n) =>
      new NncError('NNC4001', `the webgpu target does not support matmul ${formatType(n.inputs[0]!.type)} x ${formatType(n.inputs[1]!.type)} (only rows times a [k, n] matrix without a batch axis)`, at(n)),
    );
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) throw new NncErrorList('NNC4001', problems);
}

/** What load() and predict() reject with for GPU problems (bad inputs: TypeError / RangeError). */
const ERROR_DTS = `/** A WebGPU problem; \`code\` says which, the message says what to do. */
export declare class NncWebGpuError extends Error {
    readonly code: 'NO_WEBGPU' | 'NO_ADAPTER' | 'NO_DEVICE' | 'NO_WEIGHTS' | 'SHADER_COMPILE' | 'DEVICE_LOST' | 'DISPOSED' | 'ROW_TOO_LARGE' | 'OUT_OF_MEMORY' | 'READBACK';
}
`;

export function webgpuDts(graph: Graph): string {
  const dts = generateDts(graph, {
    asyncPredict: true,
    backend: 'WebGPU',
    modelMembers: [
      { name: 'device', type: 'GPUDevice', doc: 'The device the model runs on (the one given to load(), or one it requested).' },
      { name: 'dispose', type: '() => Promise<void>', doc: 'Frees the GPU buffers, and the device when load() requested it.' },
    ],
    loadOptions: [
      { name: 'device', type: 'GPUDevice', optional: true, doc: "The app's own device; by default one is requested from `gpu`." },
      { name: 'gpu', type: 'GPU', optional: true, doc: 'Where to request a device (default: navigator.gpu; in Node, `create([])` of the webgpu package).' },
      { name: 'powerPreference', type: "'low-power' | 'high-performance'", optional: true, doc: 'Passed to requestAdapter().' },
      { name: 'weights', type: 'ArrayBuffer | ArrayBufferView', optional: true, doc: 'The bytes of model.webgpu.bin, when the module cannot fetch the file beside it.' },
      { name: 'verify', type: 'boolean', optional: true, doc: "Check the weights' SHA-256 against the build's (as manifest.json lists it) before uploading them; default false." },
    ],
  });
  return dts + ERROR_DTS;
}

function webgpuDetails(program: ShaderProgram, inline: boolean) {
  return {
    shaders: program.shaders.length,
    dispatches: program.dispatches.map((d) => d.label),
    arenaFixedBytes: program.arenaFixedFloats * 4,
    arenaBytesPerRow: program.arenaFloatsPerRow * 4,
    weightBytes: program.weights.byteLength,
    weights: inline ? 'embedded' : 'external',
    note: 'One dispatch per kernel in one command encoder; GPU buffers are sized for the largest batch seen so far.',
  };
}
