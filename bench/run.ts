/**
 * `npm run bench`: nnc's bundle against tfjs (cpu, wasm), onnxruntime-web and onnxruntime-node
 * on the same model and weights, in one run. Each engine is measured in fresh processes of its
 * own; see README.md for what each number means.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ColdStartRequest, ColdStartResult, MeasureRequest, MeasureResult } from './child/protocol.js';
import { compileChildren } from './compile-children.js';
import { prepare, type Prepared } from './prepare.js';
import { layerReport } from './layers.js';
import { measurePytorch, PYTORCH } from './pytorch.js';
import { formatReport } from './report.js';
import type { BenchResults, RunnerResult } from './results.js';
import { baselineOf, RUNNERS, selectRunners } from './runners/index.js';
import type { Runner } from './runners/types.js';
import { bytesOf } from './sizes.js';
import { combinePasses } from './combine.js';
import { DEFAULT_BATCH, targetsFor } from './targets.js';
import { nodeEvalZeroRssKiB, RELAXED_SIMD_FLAG, runChild, type Interpreter } from './spawn.js';
import { RELAXED_SIMD_PROBE } from '../src/codegen/wasm/feature-probes.js';
import { median } from './stats.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const CACHE = join(BENCH_DIR, '.cache');

const HELP = `Usage: npm run bench -- [options]

  --model PATH      model file (default examples/fashion-mnist/model.ts, seeded weights)
  --only A,B        run only these runners (${[...RUNNERS.map((e) => e.runner.name), PYTORCH].join(', ')});
                    pytorch (bench/torch/predict.py) runs where a python3 can import torch
  --calls N         batch-1 calls timed per runner (default 4000)
  --batch N         rows of the throughput batch (default: 10000 for the seed model, 256 otherwise)
  --cold-runs N     fresh processes per runner for cold start and RSS (default 5)
  --passes N        measure latency and throughput N times per runner, the runners interleaved
                    (pass p starts at runner p), and report the median pass: on a machine whose
                    speed drifts, each runner then sees its slow and fast spells; pytorch is
                    measured once, after them (default 1)
  --webgpu          add the WebGPU runners (Dawn; SwiftShader when there is no GPU)
  --layers          instead: time each conv2d / dense / pooling node of nnc's bundle alone, at
                    batch 1 and the throughput batch, next to the GEMM of the same shape
  --relaxed-simd    run the engines' processes with WebAssembly relaxed SIMD on, as Chrome >= 114
                    and Node >= 22 do by default (Node 20 keeps it behind a V8 flag): nnc's
                    bundle then loads its relaxed-SIMD build, and any peer may use it too
  --json FILE       also write the results as JSON`;

function options() {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'examples/fashion-mnist/model.ts' },
      only: { type: 'string' },
      calls: { type: 'string', default: '4000' },
      batch: { type: 'string' },
      'cold-runs': { type: 'string', default: '5' },
      passes: { type: 'string', default: '1' },
      webgpu: { type: 'boolean', default: false },
      layers: { type: 'boolean', default: false },
      json: { type: 'string' },
      'relaxed-simd': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const int = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got '${v}'`);
    return n;
  };
  return {
    help: values.help,
    model: resolve(ROOT, values.model),
    only: values.only?.split(',').map((s) => s.trim()),
    calls: int('calls', values.calls),
    batch: int('batch', values.batch ?? String(targetsFor(relative(ROOT, resolve(ROOT, values.model)))?.batch ?? DEFAULT_BATCH)),
    coldRuns: int('cold-runs', values['cold-runs']),
    passes: int('passes', values.passes),
    webgpu: values.webgpu,
    layers: values.layers,
    json: values.json,
    relaxedSimd: values['relaxed-simd'],
  };
}

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Points Dawn (the `webgpu` package, in the children) at SwiftShader unless a Vulkan driver is chosen. */
function useSwiftShaderWithoutGpu(): void {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 3).join(' | ');

type Options = ReturnType<typeof options>;

/** The node the engines' children run under: with relaxed SIMD on when asked and not on already. */
function engine(opts: Options): Interpreter {
  const needsFlag = opts.relaxedSimd && !WebAssembly.validate(new Uint8Array(RELAXED_SIMD_PROBE));
  return { command: process.execPath, args: needsFlag ? [RELAXED_SIMD_FLAG] : [] };
}
type Active = readonly (readonly [Runner, RunnerResult])[];

/** What every engine's measuring child is asked (the runner's name aside). */
const measureRequest = (prep: Prepared, opts: Options): Omit<MeasureRequest, 'runner'> => ({
  ctx: prep.ctx, inputFile: prep.inputFile, rows: opts.batch,
  referenceFile: prep.referenceFile, referenceRows: prep.referenceRows, calls: opts.calls, latencyMaxMs: 10_000,
  batch: opts.batch, minRounds: 3, maxRounds: 10, roundBudgetMs: 2500, throughputMaxMs: 20_000,
});

/**
 * Latency, throughput and agreement in a child process per pass, and the shipped bytes, of each
 * runner; with several passes the runners take turns (pass p starts at runner p).
 */
async function measureRunners(active: Active, prep: Prepared, opts: Options, jsDir: string): Promise<void> {
  const passes = new Map<RunnerResult, MeasureResult[]>(active.map(([, r]) => [r, []]));
  for (let pass = 0; pass < opts.passes; pass++) {
    for (let i = 0; i < active.length; i++) {
      const [runner, result] = active[(i + pass) % active.length]!;
      log(`measuring ${runner.name}${opts.passes > 1 ? ` (pass ${pass + 1}/${opts.passes})` : ''}: batch-1 latency, batch-${opts.batch} throughput...`);
      const request: MeasureRequest = { runner: runner.name, ...measureRequest(prep, opts) };
      try {
        passes.get(result)!.push(await runChild<MeasureResult>(join(jsDir, 'child/measure.js'), request, 300_000, engine(opts)));
      } catch (e) {
        if (!result.errors.some((m) => m.startsWith('measure:'))) result.errors.push(`measure: ${errorText(e)}`);
      }
    }
  }
  for (const [runner, result] of active) {
    const measured = passes.get(result)!;
    if (measured.length > 0) result.measure = combinePasses(measured, opts.batch);
    try {
      const shipped = runner.shipped(prep.ctx);
      result.shipped = { code: bytesOf(shipped.code), weights: bytesOf(shipped.weights), note: shipped.note };
    } catch (e) {
      result.errors.push(`shipped bytes: ${errorText(e)}`);
    }
  }
}

/**
 * Cold start and peak RSS over `coldRuns` rounds of fresh processes, the runners interleaved
 * so that a slow spell of the machine spreads over all of them; returns node -e 0's peak RSS.
 */
async function measureColdStarts(active: Active, prep: Prepared, opts: Options, jsDir: string): Promise<number> {
  log(`cold start: ${opts.coldRuns} fresh processes per runner...`);
  const cold = new Map<RunnerResult, ColdStartResult[]>(active.map(([, r]) => [r, []]));
  const baselines: number[] = [];
  for (let round = 0; round < opts.coldRuns; round++) {
    baselines.push(await nodeEvalZeroRssKiB());
    for (const [runner, result] of active) {
      const request: ColdStartRequest = { runner: runner.name, ctx: prep.ctx, inputFile: prep.inputFile };
      try {
        cold.get(result)!.push(await runChild<ColdStartResult>(join(jsDir, 'child/cold-start.js'), request, undefined, engine(opts)));
      } catch (e) {
        if (round === 0) result.errors.push(`cold start: ${errorText(e)}`);
      }
    }
  }
  const baselineRss = median(baselines);
  for (const [result, runs] of cold) {
    if (runs.length === 0) continue;
    const peakRssKiB = median(runs.map((r) => r.peakRssKiB));
    result.cold = { medianMs: median(runs.map((r) => r.ms)), runsMs: runs.map((r) => r.ms), peakRssKiB, rssOverBaselineMiB: (peakRssKiB - baselineRss) / 1024 };
  }
  return baselineRss;
}

async function main(): Promise<void> {
  const opts = options();
  if (opts.help) return void console.log(HELP);
  if (opts.layers) return layerReport(opts.model, opts.batch, (line) => console.log(line));
  const started = performance.now();
  const entries = selectRunners({ webgpu: opts.webgpu, ...(opts.only ? { only: opts.only.filter((n) => n !== PYTORCH) } : {}) });
  const webgpu = entries.some((e) => e.webgpu);
  if (webgpu) useSwiftShaderWithoutGpu();
  log(`preparing ${relative(ROOT, opts.model)} (nnc bundle, ONNX, tfjs artifact, inputs, reference)...`);
  const prep = await prepare({ root: ROOT, modelPath: opts.model, cacheDir: join(CACHE, 'artifacts'), rows: opts.batch, referenceRows: Math.min(64, opts.batch), webgpu });
  const jsDir = compileChildren(BENCH_DIR, join(CACHE, 'js'));

  const results: RunnerResult[] = [];
  const active: [Runner, RunnerResult][] = [];
  for (const entry of entries) {
    const { runner } = entry;
    const result: RunnerResult = { name: runner.name, description: runner.description, baseline: baselineOf(entry), errors: [] };
    const skipped = prep.buildErrors[runner.name] ?? runner.unavailable?.(prep.ctx) ?? null;
    if (skipped) result.skipped = skipped;
    else active.push([runner, result]);
    results.push(result);
  }
  await measureRunners(active, prep, opts, jsDir);
  if (!opts.only || opts.only.includes(PYTORCH)) {
    log(`measuring ${PYTORCH} (Python): batch-1 latency, batch-${opts.batch} throughput...`);
    const { ctx, ...request } = measureRequest(prep, opts);
    results.push(...(await measurePytorch(BENCH_DIR, { ...request, tfjsDir: ctx.tfjsDir, outputSize: ctx.outputSize })));
  }
  const baselineRssKiB = await measureColdStarts(active, prep, opts, jsDir);

  const report: BenchResults = {
    date: new Date().toISOString(), node: `${process.versions.node}${opts.relaxedSimd ? ' with relaxed SIMD' : ''}`, model: relative(ROOT, opts.model),
    parameters: prep.parameters, flopsPerRow: prep.flopsPerRow, batch: opts.batch, calls: opts.calls,
    coldRuns: opts.coldRuns, passes: opts.passes, baselineRssKiB, runners: results,
  };
  console.log(formatReport(report));
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
  log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
