/**
 * `npm run bench:train`: a model file's recipe (the notebook's: Adam 1e-3, batch 32, shuffled,
 * 5 epochs) on Fashion-MNIST, fitted by nnc (the compiled training step) and, in the same run on
 * the same data and the same initial weights, by tfjs on its WebAssembly backend (one thread,
 * SIMD) and by PyTorch on one thread when a Python with torch is found ($PYTHON, python3,
 * /usr/bin/python3; its twin is first checked against nnc's reference interpreter). Reports fit
 * time and test accuracy, and checks the model's targets (seed MLP: accuracy ≥ 0.87, nnc ≤ 1/14
 * of tfjs-wasm's time and ≤ 0.7 × PyTorch's; CNN: nnc ≤ 0.5 × PyTorch's; LSTM: nnc ≤ 1/20 of
 * tfjs-wasm's time and ≤ 1.2 × PyTorch's).
 *
 *   npm run bench:train -- [--model FILE] [--epochs N] [--examples N] [--tfjs-examples N|all] [--only nnc,tfjs-wasm,pytorch]
 *   npm run bench:train -- [--model FILE] [--examples N] --profile
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { toTfjsArtifacts, WEIGHTS_FILE } from '../../src/frontend/export-tfjs.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { interpret } from '../../src/ir/interpreter.js';
import { tensor } from '../../src/ir/tensor.js';
import { loadWasmBackend, wasmExecutor, wasmExecutorWith } from '../../src/train/wasm-executor.js';
import { exampleValues, reshapeExamples } from '../../src/train/batches.js';
import { splitSize, takeExamples, type SingleSplit } from '../../src/train/data/dataset.js';
import { loadFashionMnist } from '../../src/train/data/fashion-mnist.js';
import { Trainer } from '../../src/train/trainer.js';
import { MALLOC_NOTE, NO_TORCH, ONE_THREAD_ENV, pythonWithTorch } from '../python.js';
import { profileFit } from './step-profile.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CACHE = join(ROOT, 'bench/.cache/train');

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    epochs: { type: 'string' },
    examples: { type: 'string' },
    'tfjs-examples': { type: 'string' },
    only: { type: 'string' },
    profile: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(`Usage: npm run bench:train -- [--model FILE] [--epochs N] [--examples N] [--tfjs-examples N|all] [--only nnc,tfjs-wasm,pytorch]
       npm run bench:train -- [--model FILE] [--examples N] --profile

  --examples N        fit on the first N training examples (default: all)
  --tfjs-examples N   tfjs-wasm fits on the first N of those only and its time is scaled to all of
                      them (the output says so); default: all, or the model's own (LSTM: 3200)
  --profile           instead of the comparison: nnc fits one epoch (of --examples, default 6400)
                      under V8's sampling profiler and prints each node's time per step and the
                      products' GFLOP/s, alike nodes grouped`);
  process.exit(0);
}
const MODEL = resolve(ROOT, values.model ?? 'examples/fashion-mnist/model.ts');
const epochs = Number(values.epochs ?? 5);
const only = new Set((values.only ?? 'nnc,tfjs-wasm,pytorch').split(','));

interface Targets {
  accuracy?: number;
  /** nnc's time at most this fraction of each peer's. */
  tfjsWasm?: number;
  pytorch?: number;
  /** Examples tfjs-wasm fits on by default, its time scaled to the whole set: it takes ~1 s a batch on the LSTM. */
  tfjsExamples?: number;
}

/** The issue's training targets per model. */
const TARGETS: Readonly<Record<string, Targets>> = {
  'examples/fashion-mnist/model.ts': { accuracy: 0.87, tfjsWasm: 1 / 14, pytorch: 0.7 },
  'examples/fashion-mnist-cnn/model.ts': { pytorch: 0.5 },
  'examples/fashion-mnist-lstm/model.ts': { tfjsWasm: 1 / 20, pytorch: 1.2, tfjsExamples: 3200 },
};
const targets = TARGETS[relative(ROOT, MODEL)];

interface Result {
  runner: string;
  seconds: number;
  /** CPU seconds of this process (user + system) over the fit: steadier than wall time on a busy machine. */
  cpu?: number;
  /** Test accuracy; undefined for a fit on a subset whose time was scaled. */
  accuracy?: number;
  /** A timing only, not a target's peer (PyTorch's own modules where the twin needs a loop). */
  info?: boolean;
}

/** Wall and CPU seconds of `import('binaryen')` in a fresh plain node process (no TypeScript loader), as the nnc command loads it. */
function plainNodeBinaryenLoad(): { seconds: number; cpu: number } {
  const code = "const c = process.cpuUsage(); const t = performance.now(); await import('binaryen'); const u = process.cpuUsage(c); console.log(JSON.stringify({ seconds: (performance.now() - t) / 1000, cpu: (u.user + u.system) / 1e6 }));";
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  if (r.status !== 0) throw new Error(`loading binaryen on plain node failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { seconds: number; cpu: number };
}

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

const initial = () => loadModelFile(MODEL, { typeCheck: false }).model;
const rowShape = initial().inputs[0]!.shape.slice(1) as number[];
/** Fashion-MNIST's [28, 28] images in the model's input shape (a CNN's [28, 28, 1]), as Keras users reshape them. */
const shaped = (split: SingleSplit): SingleSplit => ({ ...split, x: reshapeExamples(split.x, rowShape) });
const data = await loadFashionMnist({ log: (m) => console.log(m) });
const train = shaped(values.examples ? takeExamples(data.train, Number(values.examples)) : data.train);
const test = shaped(data.test);
console.log(`${relative(ROOT, MODEL)}; data: ${data.source}; ${train.y.shape[0]} train / ${test.y.shape[0]} test images; ${epochs} epochs, batch 32`);
const results: Result[] = [];
const notes: string[] = [];

if (values.profile) {
  await loadWasmBackend();
  const model = initial();
  const trainer = new Trainer(model.toGraph(), model.trainingConfig!, { executor: wasmExecutorWith({ functionNames: true }) });
  const examples = values.examples ? train : shaped(takeExamples(data.train, 6400));
  await trainer.prepare(splitSize(examples), 32);
  // Compiled and warm (V8 compiles the kernels at instantiation; the first steps fault pages in).
  trainer.fit(takeExamples(examples, 640), { epochs: 1, batchSize: 32 });
  await profileFit(trainer, examples, 32, (line) => console.log(line));
  process.exit(0);
}

if (only.has('nnc')) {
  // Loading binaryen (15 MB of JavaScript) under tsx takes ~20 s on an idle machine: tsx rewrites
  // its one dynamic import() and builds a source map of the whole file. A user never pays that
  // (the nnc command runs the compiled lib/ on plain node), so it is loaded before the clock and
  // the fit is charged what plain node takes, measured in a child process.
  const tsxLoad = performance.now();
  await loadWasmBackend();
  const load = plainNodeBinaryenLoad();
  console.log(`binaryen: loaded in ${((performance.now() - tsxLoad) / 1000).toFixed(1)} s under tsx (not counted); ${load.seconds.toFixed(2)} s on plain node (counted)`);
  const model = initial();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const trainer = new Trainer(model.toGraph(), model.trainingConfig!, { executor: wasmExecutor });
  // Compiles the step's kernels (on a cache miss): part of the measured time.
  await trainer.prepare(train.y.shape[0]!, 32, [test.y.shape[0]!], 500);
  const compiled = (performance.now() - t0) / 1000;
  trainer.fit(train, { epochs, batchSize: 32 });
  const seconds = (performance.now() - t0) / 1000 + load.seconds;
  results.push({ runner: 'nnc', seconds, cpu: cpuSeconds(c0) + load.cpu, accuracy: trainer.evaluate(test, 500)[1]! });
  console.log(`nnc: ${seconds.toFixed(1)} s (compiling the training step: ${compiled.toFixed(1)} s)`);
}

if (only.has('tfjs-wasm')) {
  const tf = await import('@tensorflow/tfjs');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
  wasm.setThreadsCount(1);
  await tf.setBackend('wasm');
  const { modelJson, weightsBin } = toTfjsArtifacts(initial());
  const manifest = modelJson.weightsManifest as { weights: import('@tensorflow/tfjs').io.WeightsManifestEntry[] }[];
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology as import('@tensorflow/tfjs').io.ModelJSON['modelTopology'],
      weightSpecs: manifest.flatMap((m) => m.weights),
      weightData: weightsBin.slice().buffer,
    }),
  );
  model.compile({ optimizer: tf.train.adam(1e-3, 0.9, 0.999, 1e-7), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const all = train.y.shape[0]!;
  const wanted = values['tfjs-examples'] ?? targets?.tfjsExamples ?? 'all';
  const count = wanted === 'all' ? all : Math.min(all, Number(wanted));
  if (!(count > 0) || !Number.isInteger(count)) throw new Error(`--tfjs-examples must be a positive integer or 'all', got '${wanted}'`);
  const subset = count < all ? takeExamples(train, count) : train;
  const scale = all / count;
  if (count < all)
    notes.push(
      `tfjs-wasm: MEASURED ON ${count} of ${all} examples (${Math.ceil(count / 32)} of ${Math.ceil(all / 32)} batches per epoch) and EXTRAPOLATED ×${scale.toFixed(2)}; no accuracy (a shorter fit). --tfjs-examples all fits all of them.`,
    );
  const x = tf.tensor(exampleValues(subset.x).data, subset.x.shape as number[]);
  const y = tf.tensor(subset.y.data, subset.y.shape as number[]);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let fitted = false;
  try {
    await model.fit(x, y, { epochs, batchSize: 32, shuffle: true, verbose: 0 });
    fitted = true;
  } catch (e) {
    // tfjs-backend-wasm has no Conv2DBackpropFilter kernel: a conv model cannot train there.
    notes.push(`tfjs-wasm: cannot fit this model: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
  }
  const seconds = ((performance.now() - t0) / 1000) * scale;
  const cpu = cpuSeconds(c0) * scale;
  if (fitted && scale > 1) {
    results.push({ runner: 'tfjs-wasm (scaled)', seconds, cpu });
    console.log(`tfjs-wasm: ${(seconds / scale).toFixed(1)} s on ${count} examples, ${seconds.toFixed(1)} s extrapolated to ${all}`);
  } else if (fitted) {
    const evaluated = model.evaluate(tf.tensor(exampleValues(test.x).data, test.x.shape as number[]), tf.tensor(test.y.data, test.y.shape as number[]), { batchSize: 500 }) as import('@tensorflow/tfjs').Scalar[];
    results.push({ runner: 'tfjs-wasm', seconds, cpu, accuracy: evaluated[1]!.dataSync()[0]! });
    console.log(`tfjs-wasm: ${seconds.toFixed(1)} s`);
  }
}

/**
 * The first rows of the test set and nnc's reference interpreter's outputs on them, with the
 * initial weights: the torch twin must reproduce these (fit.py fails otherwise).
 */
function writeTwinCheck(dir: string, rows = 64): void {
  const graph = initial().toGraph();
  const input = graph.inputs[0]!;
  const x = exampleValues(test.x).data.subarray(0, rows * rowShape.reduce((a, d) => a * d, 1)) as Float32Array;
  writeFileSync(join(dir, 'check-x.f32'), x);
  writeFileSync(join(dir, 'check-y.f32'), interpret(graph, { [input.name!]: tensor([rows, ...rowShape], x) })[graph.outputs[0]!.name]!.data as Float32Array);
}

if (only.has('pytorch')) {
  const python = pythonWithTorch();
  if (!python) console.log(`pytorch: ${NO_TORCH}, skipped`);
  else {
    rmSync(CACHE, { recursive: true, force: true });
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(join(CACHE, 'train-x.f32'), exampleValues(train.x).data);
    writeFileSync(join(CACHE, 'train-y.f32'), train.y.data);
    writeFileSync(join(CACHE, 'test-x.f32'), exampleValues(test.x).data);
    writeFileSync(join(CACHE, 'test-y.f32'), test.y.data);
    writeTwinCheck(CACHE);
    // The twin is rebuilt from the tfjs Layers artifact, as nnc exports it.
    const { modelJson, weightsBin } = toTfjsArtifacts(initial());
    writeFileSync(join(CACHE, 'model.json'), JSON.stringify(modelJson));
    writeFileSync(join(CACHE, WEIGHTS_FILE), weightsBin);
    const r = spawnSync(python, [join(ROOT, 'bench/torch/fit.py'), CACHE, String(epochs)], { encoding: 'utf8', env: ONE_THREAD_ENV });
    if (r.status !== 0) console.log(`pytorch: FAILED\n${r.stderr}${r.stdout}`);
    else {
      const lines = r.stdout.trim().split('\n');
      for (const line of lines.slice(0, -1)) console.log(line); // which BLAS ran, how each layer was rebuilt, the twin check
      console.log(`pytorch: ${MALLOC_NOTE}`);
      const { runs } = JSON.parse(lines.at(-1)!) as { runs: (Result & { runner: string })[] };
      results.push(...runs.map((run, i) => ({ ...run, info: i > 0 })));
    }
  }
}

const nnc = results.find((r) => r.runner === 'nnc');
const width = Math.max(20, ...results.map((r) => r.runner.length));
console.log(`\n${'runner'.padEnd(width)}  fit time    CPU time   test accuracy   time / nnc`);
for (const r of results)
  console.log(
    `${r.runner.padEnd(width)} ${`${r.seconds.toFixed(1)} s`.padStart(9)} ${(r.cpu === undefined ? '-' : `${r.cpu.toFixed(1)} s`).padStart(11)}   ${(r.accuracy?.toFixed(4) ?? '-').padStart(13)}   ${nnc ? `${(r.seconds / nnc.seconds).toFixed(1)}×`.padStart(10) : ''}`,
  );
for (const note of notes) console.log(note);
if (nnc && targets) {
  const check = (ok: boolean, what: string) => console.log(`${ok ? 'ok  ' : 'MISS'} ${what}`);
  console.log('');
  if (targets.accuracy !== undefined) check(nnc.accuracy! >= targets.accuracy, `nnc test accuracy ${nnc.accuracy!.toFixed(4)} ≥ ${targets.accuracy}`);
  const tfjs = results.find((r) => r.runner.startsWith('tfjs-wasm'));
  if (tfjs && targets.tfjsWasm !== undefined) check(nnc.seconds <= tfjs.seconds * targets.tfjsWasm, `nnc ${nnc.seconds.toFixed(1)} s ≤ tfjs-wasm × ${targets.tfjsWasm.toFixed(3)} = ${(tfjs.seconds * targets.tfjsWasm).toFixed(1)} s`);
  const torch = results.find((r) => r.runner.startsWith('pytorch') && !r.info);
  if (torch && targets.pytorch !== undefined) check(nnc.seconds <= targets.pytorch * torch.seconds, `nnc ${nnc.seconds.toFixed(1)} s ≤ ${targets.pytorch} × PyTorch = ${(targets.pytorch * torch.seconds).toFixed(1)} s`);
  // On a shared machine wall time counts other jobs' turns on the core; CPU time does not.
  if (torch?.cpu !== undefined && nnc.cpu !== undefined && targets.pytorch !== undefined)
    check(nnc.cpu <= targets.pytorch * torch.cpu, `CPU time: nnc ${nnc.cpu.toFixed(1)} s ≤ ${targets.pytorch} × PyTorch = ${(targets.pytorch * torch.cpu).toFixed(1)} s`);
  for (const r of results.filter((x) => x.info)) console.log(`info nnc ${nnc.seconds.toFixed(1)} s = ${(nnc.seconds / r.seconds).toFixed(2)} × ${r.runner}'s ${r.seconds.toFixed(1)} s`);
}
