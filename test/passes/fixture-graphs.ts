import { FIXTURES } from '../../fixtures/index.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import type { Graph } from '../../src/ir/graph.js';

/** Every fixture model lowered to IR (loaded once per test file: loading type-checks the file). */
export function loadFixtureGraphs(): { name: string; graph: Graph }[] {
  return FIXTURES.map((f) => ({ name: f.name, graph: loadModelFile(f.path).model.toGraph() }));
}

/** Fixtures whose graphs fork or join (several inputs, outputs or paths). */
export const BRANCHING_FIXTURES = ['two-inputs', 'two-outputs', 'shared-layer', 'residual', 'branches'];
