import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import { loadGraphForCli } from '../../src/cli/load-model.js';
import { main } from '../../src/cli/main.js';
import { Random } from '../../src/frontend/random.js';
import type { Graph } from '../../src/ir/graph.js';
import { onnxSession, ort } from '../helpers/onnxruntime.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { loadArtifacts } from '../train/helpers/load-artifacts.js';
import { buildWasmBundle, outputsByName, predictArgument } from '../wasm/bundle-helpers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), isTTY: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Runs an .onnx file in onnxruntime-web on `flat` inputs; flat outputs by name. */
async function runOnnxFile(file: string, graph: Graph, flat: Record<string, Float32Array>, batch: number): Promise<Record<string, Float32Array>> {
  const session = await onnxSession(file);
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const n of graph.inputs) {
      const dims = n.type.shape.map((d) => d ?? batch);
      feeds[n.name!] = n.type.dtype === 'i32' ? new ort.Tensor('int32', Int32Array.from(flat[n.name!]!), dims) : new ort.Tensor('float32', flat[n.name!]!, dims);
    }
    const results = await session.run(feeds);
    return Object.fromEntries(graph.outputs.map((o) => [o.name, results[o.name]!.data as Float32Array]));
  } finally {
    await session.release();
  }
}

const EXPORTED = [
  ...FIXTURES,
  ...['fashion-mnist-cnn', 'fashion-mnist-lstm', 'token-order-gru'].map((name) => ({ name, path: resolve(ROOT, 'examples', name, 'model.ts') })),
];

describe('nnc export --onnx', () => {
  beforeAll(() => tfjsReady());

  for (const fixture of EXPORTED) {
    it(`${fixture.name}: onnxruntime-web on the exported file equals nnc's wasm bundle within 1e-5`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'nnc-export-'));
      const file = join(dir, `${fixture.name}.onnx`);
      const r = await run(['export', fixture.path, '--onnx', '--no-train', '-o', file]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/wrote .*\.onnx \(ONNX opset 13, \d+ bytes\)/);
      const { graph } = await loadGraphForCli(fixture.path);
      const bundle = await (await (await buildWasmBundle(graph)).import()).load();
      for (const batch of [1, 7]) {
        const { flat } = randomInputs(graph, batch, batch);
        const typed = Object.fromEntries(graph.inputs.map((n) => [n.name!, n.type.dtype === 'i32' ? Int32Array.from(flat[n.name!]!) : flat[n.name!]!]));
        const ours = outputsByName(bundle.predict(predictArgument(typed as Record<string, Float32Array>), batch), bundle.outputNames);
        const theirs = await runOnnxFile(file, graph, flat, batch);
        for (const o of graph.outputs) {
          expect(theirs[o.name]!.length, o.name).toBe(ours[o.name]!.length);
          expect(maxAbsDiff(theirs[o.name]!, ours[o.name]!), `${o.name} at batch ${batch}`).toBeLessThanOrEqual(1e-5);
        }
      }
    });
  }

  it('trains a model file that asks for it first: the file equals what `nnc train` saves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnc-export-train-'));
    const rng = new Random(5);
    const rows = (n: number) => Array.from({ length: n }, () => Array.from({ length: 3 }, () => Math.round(rng.next() * 100) / 100));
    const label = (r: number[]) => r.indexOf(Math.max(...r));
    const train = rows(64);
    const model = join(dir, 'model.ts');
    writeFileSync(
      model,
      `import { layers, sequential } from 'nnc';
const model = sequential({ layers: [layers.dense({ units: 8, activation: 'relu', inputShape: [3] }), layers.dense({ units: 3, activation: 'softmax' })] });
model.compile({ optimizer: { name: 'adam', learningRate: 0.05 }, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
export const training = { data: { train: { x: ${JSON.stringify(train)}, y: ${JSON.stringify(train.map(label))} } }, epochs: 3, batchSize: 16 };
export default model;
`,
    );
    const file = join(dir, 'trained.onnx');
    const exported = await run(['export', model, '-o', file]);
    expect(exported.code).toBe(0);
    expect(exported.out).toMatch(/Epoch 3\/3/);
    const untrained = join(dir, 'untrained.onnx');
    expect((await run(['export', model, '--no-train', '-o', untrained])).code).toBe(0);
    expect((await run(['train', model, '-o', join(dir, 'saved')])).code).toBe(0);

    const saved = join(dir, 'saved');
    const tfModel = await loadArtifacts(JSON.parse(readFileSync(join(saved, 'model.json'), 'utf8')), readFileSync(join(saved, 'weights.bin')));
    const { graph } = await loadGraphForCli(model);
    const x = Float32Array.from(rows(5).flat());
    const want = (tfModel.predict(tf.tensor2d(x, [5, 3])) as tf.Tensor).dataSync() as Float32Array;
    const got = Object.values(await runOnnxFile(file, graph, { [graph.inputs[0]!.name!]: x }, 5))[0]!;
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5);
    const before = Object.values(await runOnnxFile(untrained, graph, { [graph.inputs[0]!.name!]: x }, 5))[0]!;
    expect(maxAbsDiff(before, want)).toBeGreaterThan(1e-3);
  });

  it('refuses an output that is the model file, a directory, or a file it did not write, before any work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnc-export-bad-'));
    const model = FIXTURES[0]!.path;
    const asModel = await run(['export', model, '-o', model]);
    expect(asModel.code).toBe(2);
    expect(asModel.err).toMatch(/NNC4003.*is the model file itself/);
    mkdirSync(join(dir, 'sub'));
    const asDir = await run(['export', model, '-o', join(dir, 'sub')]);
    expect(asDir.err).toMatch(/NNC4003.*is a directory/);
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'keep me');
    const clobber = await run(['export', model, '--no-train', '-o', notes]);
    expect(clobber.err).toMatch(/NNC4003.*exists and is not an \.onnx file/);
    expect(readFileSync(notes, 'utf8')).toBe('keep me');
    expect((await run(['export', model, '--no-train', '--force', '-o', notes])).code).toBe(0);
    expect(readFileSync(notes).length).toBeGreaterThan(1000);
  });
});
