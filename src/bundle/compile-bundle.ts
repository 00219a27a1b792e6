/**
 * A model (or graph) to bundle files and onto disk: what `nnc build` does after loading and
 * training, and what a script calls after `model.fit` (`compileBundle`).
 */
import { NncError } from '../errors.js';
import type { LayersModel } from '../frontend/model.js';
import type { Graph } from '../ir/graph.js';
import { verifyGraph } from '../ir/verifier.js';
import { hasOwnKey } from '../own-keys.js';
import { optimize } from '../passes/index.js';
import type { BundleFile, TargetOptions } from './target.js';
import { TARGETS } from './targets.js';
import { writeBundle } from './writer.js';

/** The files of each target for an optimized graph; several targets get a subdirectory each. */
export async function emitTargets(graph: Graph, targets: readonly string[], options: TargetOptions): Promise<BundleFile[]> {
  const files: BundleFile[] = [];
  for (const name of targets) {
    const prefix = targets.length > 1 ? `${name}/` : '';
    for (const f of await TARGETS[name]!.emit(graph, options)) files.push({ path: prefix + f.path, contents: f.contents });
  }
  return files;
}

export interface CompileBundleOptions extends Partial<TargetOptions> {
  /** Output directory (replaced atomically; never a directory nnc did not write unless `force`). */
  readonly out: string;
  /** 'wasm' (default), 'webgpu', or 'all' (one subdirectory per target). */
  readonly target?: string;
  readonly force?: boolean;
}

/**
 * Compiles the model with its current weights (trained by `fit`, or as initialized) into a
 * standalone bundle directory, as `nnc build --no-train` would; returns the files written.
 */
export async function compileBundle(model: LayersModel, options: CompileBundleOptions): Promise<readonly BundleFile[]> {
  const target = options.target ?? 'wasm';
  if (target !== 'all' && !hasOwnKey(TARGETS, target))
    throw new NncError('NNC4003', `compileBundle: unknown target '${target}'`, { hint: `Choose ${[...Object.keys(TARGETS), 'all'].join(', ')}.` });
  const graph = optimize(model.toGraph());
  verifyGraph(graph, { requireWeightData: true });
  const targets = target === 'all' ? Object.keys(TARGETS) : [target];
  const files = await emitTargets(graph, targets, {
    singleFile: options.singleFile ?? false,
    weights: options.weights ?? 'embedded',
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  await writeBundle(options.out, files, { force: options.force ?? false });
  return files;
}
