import { createHash } from 'node:crypto';
import type { Graph } from '../ir/graph.js';
import { isSourceOp } from '../ir/traits.js';
import type { BundleFile } from './target.js';
import { bundleSignature, type BundleTensor } from './signature.js';
import { COMPILER_VERSION } from '../version.js';

export const MANIFEST_FILE = 'manifest.json';

export const sha256 = (contents: string | Uint8Array) => createHash('sha256').update(contents).digest('hex');
export const byteLength = (contents: string | Uint8Array) => (typeof contents === 'string' ? Buffer.byteLength(contents) : contents.byteLength);

/**
 * manifest.json of a bundle: the compiler version, the signature (names, shapes), the ops the
 * model runs, parameter count, every other file with its size and SHA-256, and what the target
 * adds under its own name (the wasm target: memory layout and chunking bound). No timestamps:
 * building twice gives the same bytes.
 */
export function manifestFile(graph: Graph, target: string, files: readonly BundleFile[], targetDetails: Record<string, unknown>): BundleFile {
  const ops: Record<string, number> = {};
  for (const n of graph.nodes) if (!isSourceOp(n.op)) ops[n.op] = (ops[n.op] ?? 0) + 1;
  const signature = bundleSignature(graph);
  const DTYPE_NAMES = { f32: 'float32', i32: 'int32', bool: 'bool' } as const;
  const tensor = (t: BundleTensor) => ({ name: t.name, dtype: DTYPE_NAMES[t.dtype], shape: t.shape, ...(t.steps ? { valuesPerStep: t.valuesPerRow } : { valuesPerRow: t.valuesPerRow }) });
  const manifest = {
    compiler: { name: 'nnc', version: COMPILER_VERSION },
    target,
    inputs: signature.inputs.map(tensor),
    outputs: signature.outputs.map(tensor),
    // A sequence of any length: predict takes the steps and runs the graph once per step, carrying these.
    ...(signature.states ? { timeLoop: { states: signature.states.map((s) => s.name) } } : {}),
    ops,
    parameters: graph.parameterCount(),
    files: files.map((f) => ({ path: f.path, bytes: byteLength(f.contents), sha256: sha256(f.contents) })),
    [target]: targetDetails,
  };
  return { path: MANIFEST_FILE, contents: `${JSON.stringify(manifest, null, 2)}\n` };
}
