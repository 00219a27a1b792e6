/**
 * The pass table and the pipeline. Each entry names a Graph -> Graph pass; the same table drives
 * `optimize`, `nnc ir --passes`, `--print-after-all` and the pass list in `nnc ir --help`.
 * Memory planning is the analysis that follows the pipeline (planMemory), not a rewrite.
 */
import { NncError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { verifyGraph } from '../ir/verifier.js';
import { canonicalize } from './canonicalize.js';
import { accumulateProducts } from './accumulate-products.js';
import { eliminateCommonSubexpressions } from './cse.js';
import { eliminateDeadCode } from './dce.js';
import { foldConstants } from './fold-constants.js';
import { foldBatchNorm } from './fold-batch-norm.js';
import { fuse } from './fuse.js';
import { layout } from './layout.js';
import { scheduleReductions } from './schedule.js';
import { sumPooledGradients } from './sum-pooled-gradients.js';

export { planMemory, SLOT_ALIGN } from './plan-memory.js';
export type { AffineBytes, MemoryPlan, MemorySlot, RowBlocks, ScratchRequest, SharedScratch, SharedScratchRequest } from './memory-plan-types.js';
export type { BlockReader } from './split-views.js';
export { atRows } from './memory-plan-types.js';

export interface Pass {
  readonly name: string;
  readonly description: string;
  run(graph: Graph): Graph;
}

/** Every pass, in pipeline order: `optimize` runs them top to bottom. */
export const PASSES: readonly Pass[] = [
  { name: 'canonicalize', description: 'drop identities and inference-time dropout, collapse reshape chains', run: canonicalize },
  { name: 'fold-constants', description: 'evaluate nodes whose operands are all constants, with the reference interpreter', run: foldConstants },
  { name: 'layout', description: 'cancel transposes around channels-last kernels: compose them, move them through elementwise ops', run: layout },
  { name: 'fold-batch-norm', description: 'fold an inference batch norm into the conv / dense / matmul before it', run: foldBatchNorm },
  { name: 'cse', description: 'merge nodes that compute the same value', run: eliminateCommonSubexpressions },
  { name: 'accumulate-products', description: 'add a weight-gradient product (matmul_tn) into the running sum it is added to, in its GEMM', run: accumulateProducts },
  { name: 'dce', description: 'remove nodes no output depends on, and their weights', run: eliminateDeadCode },
  { name: 'fuse', description: 'matmul + bias + activation -> dense; conv2d + bias + activation (+ pooling) -> conv2d; elementwise chains -> elementwise; flatten into dense', run: fuse },
  { name: 'sum-pooled-gradients', description: 'a sum over the cells of a max-pooling gradient (a bias gradient) taken over the pooled windows instead', run: sumPooledGradients },
  { name: 'schedule', description: 'run each batch reduction (a bias or weight gradient) as soon as its operands are ready, while they are in cache', run: scheduleReductions },
];

export const PIPELINE: readonly string[] = PASSES.map((p) => p.name);

export interface OptimizeOptions {
  /** Run the IR verifier after every pass (tests and `--verify`). */
  readonly verify?: boolean;
  /** Pass names to run, in order (default: PIPELINE). Names may repeat. */
  readonly passes?: readonly string[];
  /** Called with the graph after each pass (`--print-after-all`). */
  readonly onPass?: (name: string, graph: Graph) => void;
}

/** Looks passes up by name; unknown names are reported together as NNC4004. */
export function resolvePasses(names: readonly string[]): Pass[] {
  const unknown = names.filter((n) => !PASSES.some((p) => p.name === n));
  if (unknown.length > 0)
    throw new NncError('NNC4004', `${unknown.map((n) => `'${n}'`).join(', ')}; known passes: ${PIPELINE.join(', ')}`);
  return names.map((n) => PASSES.find((p) => p.name === n)!);
}

export function optimize(graph: Graph, options: OptimizeOptions = {}): Graph {
  let g = graph;
  for (const pass of resolvePasses(options.passes ?? PIPELINE)) {
    g = pass.run(g);
    if (options.verify) verifyAfter(pass.name, g);
    options.onPass?.(pass.name, g);
  }
  return g;
}

function verifyAfter(pass: string, graph: Graph): void {
  try {
    verifyGraph(graph);
  } catch (e) {
    if (e instanceof NncError) throw new NncError(e.code, `after pass '${pass}': ${e.detail}`, { location: e.location, cause: e });
    throw e;
  }
}
