/**
 * `nnc build --report`: the HTML page that shows a build — the graph before and after the passes,
 * the memory plan, where the bytes go, the training curves — assembled from what the build
 * already computed (no second compile, no second fit).
 */
import { bundleSignature } from '../bundle/signature.js';
import type { BundleFile } from '../bundle/target.js';
import type { Graph } from '../ir/graph.js';
import { planMemory } from '../passes/plan-memory.js';
import type { FitResult } from '../train/fit-from-model-file.js';
import { COMPILER_VERSION } from '../version.js';
import { curveCharts } from './curves.js';
import { graphSvg } from './graph-svg.js';
import { describePeak, memoryChart } from './memory-chart.js';
import { renderPage, type TrainingSection } from './page.js';
import { fileSizes, wasmSectionSizes, weightSizesByLayer } from './sizes.js';

export interface ReportInput {
  readonly title: string;
  readonly options: Readonly<Record<string, string>>;
  readonly targets: readonly string[];
  /** The graph as loaded (and trained), before optimize(). */
  readonly before: Graph;
  readonly after: Graph;
  readonly files: readonly BundleFile[];
  readonly fit?: Pick<FitResult, 'history' | 'epochSeconds' | 'test' | 'metricNames'>;
  readonly buildOutput: string;
}

export async function buildReport(input: ReportInput): Promise<string> {
  const { after } = input;
  // With the wasm target the picture is that bundle's arena, kernel scratch and split pieces read
  // in place included; the WGSL target plans the same values without either.
  const wasm = input.targets.includes('wasm');
  const kernels = wasm ? await import('../codegen/wasm/kernels/index.js') : undefined;
  const plan = planMemory(after, kernels?.wasmScratch, kernels?.wasmBlockReader, kernels?.wasmSharedScratch, kernels?.wasmOverwrites);
  return renderPage({
    title: input.title,
    version: COMPILER_VERSION,
    options: input.options,
    signature: bundleSignature(after),
    buildOutput: input.buildOutput,
    before: { svg: graphSvg(input.before, 'graph-before-svg'), nodes: input.before.nodes.length },
    after: { svg: graphSvg(after, 'graph-after-svg', input.before), nodes: after.nodes.length },
    memory: { svg: memoryChart(after, plan), caption: `${wasm ? 'The wasm bundle’s arena' : 'The arena'}: ${describePeak(plan)}.` },
    files: fileSizes(input.files),
    wasmSections: input.files.filter((f) => f.path.endsWith('.wasm')).flatMap(wasmSectionSizes),
    weights: weightSizesByLayer(after),
    ...(input.fit ? { training: trainingSection(input.fit) } : {}),
  });
}

function trainingSection(fit: NonNullable<ReportInput['fit']>): TrainingSection {
  const test = fit.test && Object.fromEntries(['loss', ...fit.metricNames].map((name, i) => [name, fit.test![i]!]));
  return { curves: curveCharts(fit.history), epochSeconds: fit.epochSeconds, ...(test ? { test } : {}) };
}
