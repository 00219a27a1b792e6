/**
 * `npm run bench:train`: a model file's recipe (the notebook's: Adam 1e-3, batch 32, shuffled,
 * 5 epochs) on Fashion-MNIST, fitted by nnc (the compiled training step) and, in the same run on
 * the same data and the same initial weights, by tfjs on its WebAssembly backend (one thread,
 * SIMD) and by PyTorch on one thread when a Python with torch is found ($PYTHON, python3,
 * /usr/bin/python3). Reports fit time and test accuracy, and checks the model's targets
 * (seed MLP: accuracy ≥ 0.87, nnc ≤ 1/14 of tfjs-wasm's time and ≤ 0.7 × PyTorch's; CNN: nnc ≤
 * 0.5 × PyTorch's).
 *
 *   npm run bench:train -- [--model FILE] [--epochs N] [--examples N] [--only nnc,tfjs-wasm,pytorch]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { toTfjsArtifacts } from '../../src/frontend/export-tfjs.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { wasmExecutor } from '../../src/train/wasm-executor.js';
import { exampleValues, reshapeExamples } from '../../src/train/batches.js';
import { takeExamples, type SingleSplit } from '../../src/train/data/dataset.js';
import { loadFashionMnist } from '../../src/train/data/fashion-mnist.js';
import { Trainer } from '../../src/train/trainer.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CACHE = join(ROOT, 'bench/.cache/train');

const { values } = parseArgs({ options: { model: { type: 'string' }, epochs: { type: 'string' }, examples: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('Usage: npm run bench:train -- [--model FILE] [--epochs N] [--examples N] [--only nnc,tfjs-wasm,pytorch]');
  process.exit(0);
}
const MODEL = resolve(ROOT, values.model ?? 'examples/fashion-mnist/model.ts');
const epochs = Number(values.epochs ?? 5);
const only = new Set((values.only ?? 'nnc,tfjs-wasm,pytorch').split(','));

/** The issue's training targets per model: nnc's time at most this fraction of each peer's. */
const TARGETS: Readonly<Record<string, { accuracy?: number; tfjsWasm?: number; pytorch?: number }>> = {
  'examples/fashion-mnist/model.ts': { accuracy: 0.87, tfjsWasm: 1 / 14, pytorch: 0.7 },
  'examples/fashion-mnist-cnn/model.ts': { pytorch: 0.5 },
};

interface Result {
  runner: string;
  seconds: number;
  /** CPU seconds of this process (user + system) over the fit: steadier than wall time on a busy machine. */
  cpu?: number;
  accuracy: number;
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

if (only.has('nnc')) {
  const model = initial();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const trainer = new Trainer(model.toGraph(), model.trainingConfig!, { executor: wasmExecutor });
  // Compiles the step's kernels (binaryen only on a cache miss): part of the measured time.
  await trainer.prepare(train.y.shape[0]!, 32, [test.y.shape[0]!], 500);
  trainer.fit(train, { epochs, batchSize: 32 });
  const seconds = (performance.now() - t0) / 1000;
  results.push({ runner: 'nnc', seconds, cpu: cpuSeconds(c0), accuracy: trainer.evaluate(test, 500)[1]! });
  console.log(`nnc: ${seconds.toFixed(1)} s`);
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
  const x = tf.tensor(exampleValues(train.x).data, train.x.shape as number[]);
  const y = tf.tensor(train.y.data, train.y.shape as number[]);
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
  const seconds = (performance.now() - t0) / 1000;
  if (fitted) {
    const evaluated = model.evaluate(tf.tensor(exampleValues(test.x).data, test.x.shape as number[]), tf.tensor(test.y.data, test.y.shape as number[]), { batchSize: 500 }) as import('@tensorflow/tfjs').Scalar[];
    results.push({ runner: 'tfjs-wasm', seconds, cpu: cpuSeconds(c0), accuracy: evaluated[1]!.dataSync()[0]! });
    console.log(`tfjs-wasm: ${seconds.toFixed(1)} s`);
  }
}

/** The first Python that can import torch: $PYTHON, then python3 on PATH, then Debian's (python3-torch). */
function pythonWithTorch(): string | undefined {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => Boolean(p));
  return candidates.find((py) => spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0);
}

if (only.has('pytorch')) {
  const python = pythonWithTorch();
  if (!python) console.log('pytorch: not installed (no python3 can import torch; on Debian: apt-get install python3-torch), skipped');
  else {
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(join(CACHE, 'train-x.f32'), exampleValues(train.x).data);
    writeFileSync(join(CACHE, 'train-y.f32'), train.y.data);
    writeFileSync(join(CACHE, 'test-x.f32'), exampleValues(test.x).data);
    writeFileSync(join(CACHE, 'test-y.f32'), test.y.data);
    // The Python side rebuilds the model from the tfjs Layers JSON and reads the weights in its manifest's order.
    const { modelJson, weightsBin } = toTfjsArtifacts(initial());
    writeFileSync(join(CACHE, 'model.json'), JSON.stringify(modelJson));
    writeFileSync(join(CACHE, 'weights.f32'), weightsBin);
    const r = spawnSync(python, [join(ROOT, 'bench/train/torch_fit.py'), CACHE, String(epochs)], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    });
    if (r.status !== 0) console.log(`pytorch: failed\n${r.stderr}${r.stdout}`);
    else {
      const lines = r.stdout.trim().split('\n');
      for (const line of lines.slice(0, -1)) console.log(line); // which BLAS ran
      const out = JSON.parse(lines.at(-1)!) as { seconds: number; cpu: number; accuracy: number };
      results.push({ runner: 'pytorch (1 thread)', ...out });
    }
  }
}

const nnc = results.find((r) => r.runner === 'nnc');
console.log('\nrunner               fit time    CPU time   test accuracy   time / nnc');
for (const r of results)
  console.log(
    `${r.runner.padEnd(20)} ${`${r.seconds.toFixed(1)} s`.padStart(9)} ${(r.cpu === undefined ? '-' : `${r.cpu.toFixed(1)} s`).padStart(11)}   ${r.accuracy.toFixed(4).padStart(13)}   ${nnc ? `${(r.seconds / nnc.seconds).toFixed(1)}×`.padStart(10) : ''}`,
  );
for (const note of notes) console.log(note);
const targets = TARGETS[relative(ROOT, MODEL)];
if (nnc && targets) {
  const check = (ok: boolean, what: string) => console.log(`${ok ? 'ok  ' : 'MISS'} ${what}`);
  console.log('');
  if (targets.accuracy !== undefined) check(nnc.accuracy >= targets.accuracy, `nnc test accuracy ${nnc.accuracy.toFixed(4)} ≥ ${targets.accuracy}`);
  const tfjs = results.find((r) => r.runner === 'tfjs-wasm');
  if (tfjs && targets.tfjsWasm !== undefined) check(nnc.seconds <= tfjs.seconds * targets.tfjsWasm, `nnc ${nnc.seconds.toFixed(1)} s ≤ tfjs-wasm × ${targets.tfjsWasm.toFixed(3)} = ${(tfjs.seconds * targets.tfjsWasm).toFixed(1)} s`);
  const torch = results.find((r) => r.runner.startsWith('pytorch'));
  if (torch && targets.pytorch !== undefined) check(nnc.seconds <= targets.pytorch * torch.seconds, `nnc ${nnc.seconds.toFixed(1)} s ≤ ${targets.pytorch} × PyTorch = ${(targets.pytorch * torch.seconds).toFixed(1)} s`);
  // On a shared machine wall time counts other jobs' turns on the core; CPU time does not.
  if (torch?.cpu !== undefined && nnc.cpu !== undefined && targets.pytorch !== undefined)
    check(nnc.cpu <= targets.pytorch * torch.cpu, `CPU time: nnc ${nnc.cpu.toFixed(1)} s ≤ ${targets.pytorch} × PyTorch = ${(targets.pytorch * torch.cpu).toFixed(1)} s`);
}
