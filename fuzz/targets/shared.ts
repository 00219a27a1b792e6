import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Graph } from '../../src/ir/graph.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { optimize } from '../../src/passes/index.js';

/** Past this many nodes an imported graph is verified but not optimized (each input stays bounded in time). */
const MAX_OPTIMIZED_NODES = 2000;

/**
 * What happens to an imported graph next in nnc: verified, optimized (verifying after each pass).
 * Crashes hide there as much as in the importers.
 */
export function lowerAndCheck(graph: Graph): void {
  verifyGraph(graph);
  if (graph.nodes.length <= MAX_OPTIMIZED_NODES) optimize(graph, { verify: true });
}

/** One scratch folder per target, its files rewritten for each input. */
export function scratchDir(target: string): { dir: string; write(files: Readonly<Record<string, string | Uint8Array>>): void } {
  const dir = mkdtempSync(join(tmpdir(), `nnc-fuzz-${target}-`));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(files) {
      for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    },
  };
}
