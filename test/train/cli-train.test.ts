import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { Random } from '../../src/frontend/random.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { loadArtifacts } from './helpers/load-artifacts.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A small classifier over 4 features whose label is the index of the largest of the first 3. */
function modelFile(dir: string, name: string, options: { epochs: number; poison?: boolean }): string {
  const rng = new Random(11);
  const rows = (n: number) => Array.from({ length: n }, () => Array.from({ length: 4 }, () => Math.round(rng.next() * 100) / 100));
  const label = (r: number[]) => r.slice(0, 3).indexOf(Math.max(...r.slice(0, 3)));
  const train = rows(96);
  const test = rows(32);
  const x = JSON.stringify(train).replace(options.poison ? /^\[\[[^,]*/ : /$^/, '[[NaN');
  const source = `import { layers, sequential } from 'nnc';
const model = sequential({ layers: [layers.dense({ units: 16, activation: 'relu', inputShape: [4] }), layers.dense({ units: 3, activation: 'softmax' })] });
model.compile({ optimizer: { name: 'adam', learningRate: 0.02 }, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
export const training = {
  data: { train: { x: ${x}, y: ${JSON.stringify(train.map(label))} }, test: { x: ${JSON.stringify(test)}, y: ${JSON.stringify(test.map(label))} } },
  epochs: ${options.epochs},
  batchSize: 8,
};
export default model;
`;
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  // As the process's io: each call prints a line (a newline is added where missing).
  const line = (t: string) => (t.endsWith('\n') ? t : `${t}\n`);
  const code = await main(argv, { out: (t) => out.push(line(t)), err: (t) => err.push(line(t)), isTTY: false });
  return { code, out: out.join(''), err: err.join('') };
}

const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));

describe('nnc train', () => {
  beforeAll(() => tfjsReady());

  it('prints Keras-style progress and test metrics, and saves a model tfjs loads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnc-train-'));
    const file = modelFile(dir, 'model.ts', { epochs: 30 });
    const outDir = join(dir, 'saved');
    const r = await run(['train', file, '-o', outDir, '--epochs', '3', '--batch-size', '16']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe('Model: "sequential"');
    expect(lines.filter((l) => /^Epoch \d\/3$/.test(l))).toEqual(['Epoch 1/3', 'Epoch 2/3', 'Epoch 3/3']);
    const bars = lines.filter((l) => l.startsWith('6/6 '));
    expect(bars).toHaveLength(3);
    for (const bar of bars) expect(bar).toMatch(/^6\/6 \[={30}\] - \d+m?s \d+(us|ms|s)\/step - loss: \d+\.\d{4} - accuracy: \d\.\d{4}$/);
    expect(lines).toContainEqual(expect.stringMatching(/^test loss: \d+\.\d{4} - test accuracy: \d\.\d{4}$/));
    expect(lines.at(-1)).toBe(`saved ${join(outDir, 'model.json')} and ${join(outDir, 'weights.bin')} (history: ${join(outDir, 'history.json')})`);
    const history = JSON.parse(readFileSync(join(outDir, 'history.json'), 'utf8')) as { epoch: number[]; history: Record<string, number[]>; epochSeconds: number[]; test: Record<string, number> };
    expect(history.epoch).toEqual([0, 1, 2]);
    expect(Object.keys(history.history)).toEqual(['loss', 'accuracy']);
    expect(history.history.loss!.map((l) => l.toFixed(4))).toEqual(bars.map((b) => /loss: (\d+\.\d{4})/.exec(b)![1]));
    expect(history.epochSeconds).toHaveLength(3);
    expect(Object.keys(history.test)).toEqual(['loss', 'accuracy']);

    // tfjs loads the saved model; it has trained (not initial) weights and predicts consistently.
    const json = JSON.parse(readFileSync(join(outDir, 'model.json'), 'utf8')) as Record<string, unknown>;
    const loaded = await loadArtifacts(json, new Uint8Array(readFileSync(join(outDir, 'weights.bin'))));
    const probs = (loaded.predict(tf.tensor([[0.9, 0.1, 0.2, 0.5]])) as tf.Tensor).dataSync();
    expect(probs.length).toBe(3);
    expect(Math.abs(Array.from(probs).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
    expect(Array.from(loaded.getWeights()[1]!.dataSync()).some((b) => b !== 0)).toBe(true);
  });

  it('the saved model keeps its loss and metrics: nnc evaluate repeats the test metrics, tfjs compiles it, nnc predict equals tfjs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnc-train-'));
    const file = modelFile(dir, 'model.ts', { epochs: 4 });
    const outDir = join(dir, 'saved');
    const trained = await run(['train', file, '-o', outDir]);
    expect(trained.code).toBe(0);
    const testLine = trained.out.split('\n').find((l) => l.startsWith('test loss:'))!;
    const json = JSON.parse(readFileSync(join(outDir, 'model.json'), 'utf8')) as Record<string, unknown>;
    expect(json.trainingConfig).toEqual({
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
      optimizer_config: { class_name: 'Adam', config: { learning_rate: 0.02, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } },
    });
    // The model file's test split, as a JSON tensor file.
    const { exports } = loadModelFile(file, { typeCheck: false });
    const testSplit = (exports.training as { data: { test: unknown } }).data.test;
    writeFileSync(join(dir, 'test.json'), JSON.stringify(testSplit));
    const evaluated = await run(['evaluate', join(outDir, 'model.json'), '--data', join(dir, 'test.json')]);
    expect(evaluated.err).toBe('');
    expect(evaluated.out.trim()).toBe(testLine.replace('test loss', 'loss').replace('test accuracy', 'accuracy'));

    // tf.loadLayersModel compiles the model from the same training config.
    const weightData = new Uint8Array(readFileSync(join(outDir, 'weights.bin'))).slice().buffer;
    const manifest = json.weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[];
    const tfModel = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs: manifest.flatMap((m) => m.weights), weightData, trainingConfig: json.trainingConfig as tf.io.TrainingConfig }),
    );
    expect(tfModel.optimizer.getClassName()).toBe('Adam');
    const x = [[0.9, 0.1, 0.2, 0.5], [0.1, 0.8, 0.3, 0.2]];
    writeFileSync(join(dir, 'x.json'), JSON.stringify(x));
    const predicted = await run(['predict', join(outDir, 'model.json'), '--input', join(dir, 'x.json')]);
    expect(predicted.code).toBe(0);
    const ours = JSON.parse(predicted.out) as Record<string, { shape: number[]; data: number[] }>;
    const [name] = Object.keys(ours);
    expect(ours[name!]!.shape).toEqual([2, 3]);
    const want = (tfModel.predict(tf.tensor(x)) as tf.Tensor).dataSync();
    ours[name!]!.data.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-5));
    const bad = await run(['predict', join(outDir, 'model.json'), '--input', join(dir, 'test.json')]);
    expect(bad.err).toMatch(/NNC5002 .*input names 'x', which is not one of/);
  });

  it('--epochs 0 saves the initialized model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnc-train-'));
    const file = modelFile(dir, 'model.ts', { epochs: 30 });
    const outDir = join(dir, 'saved');
    const r = await run(['train', file, '-o', outDir, '--epochs', '0']);
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/Epoch 1/);
    const json = JSON.parse(readFileSync(join(outDir, 'model.json'), 'utf8')) as Record<string, unknown>;
    const saved = await loadArtifacts(json, new Uint8Array(readFileSync(join(outDir, 'weights.bin'))));
    const { model } = loadModelFile(file, { typeCheck: false, seed: 42 });
    model.getWeights().forEach((w, i) => expect([...saved.getWeights()[i]!.dataSync()]).toEqual([...w.data]));
    expect(JSON.parse(readFileSync(join(outDir, 'history.json'), 'utf8'))).toMatchObject({ epoch: [], history: {} });
  });

  it('a failed run leaves the previously saved model intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnc-train-'));
    const outDir = join(dir, 'saved');
    expect((await run(['train', modelFile(dir, 'good.ts', { epochs: 1 }), '-o', outDir])).code).toBe(0);
    const before = snapshot(outDir);
    const bad = await run(['train', modelFile(dir, 'bad.ts', { epochs: 1, poison: true }), '-o', outDir]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/NNC5001 loss became NaN or Inf: loss is NaN at epoch 1, step \d+\/12/);
    expect(snapshot(outDir)).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['bad.ts', 'good.ts', 'saved']);
  });

  it('a killed run leaves the previously saved model intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnc-train-'));
    const outDir = join(dir, 'saved');
    expect((await run(['train', modelFile(dir, 'quick.ts', { epochs: 1 }), '-o', outDir])).code).toBe(0);
    const before = snapshot(outDir);
    const slow = modelFile(dir, 'slow.ts', { epochs: 100000 });
    // The real command, compiled (`npm test` builds lib/ first): it starts in well under a second.
    const child = spawn(process.execPath, [join(ROOT, 'bin/nnc.js'), 'train', slow, '-o', outDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((done, fail) => {
      let seen = '';
      child.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('Epoch 3/')) {
          child.kill('SIGKILL');
          done();
        }
      });
      child.on('exit', (code) => fail(new Error(`nnc train exited (${code}) before it was killed: ${seen}`)));
    });
    await new Promise((r) => child.on('close', r));
    expect(snapshot(outDir)).toEqual(before);
  });

  it('complains about a model without a training recipe', async () => {
    const r = await run(['train', join(ROOT, 'fixtures/models/residual.ts')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/NNC5005 .*has no training recipe/);
  });
});
