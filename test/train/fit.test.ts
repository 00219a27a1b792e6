import { beforeAll, describe, expect, it } from 'vitest';
import { isNncError } from '../../src/errors.js';
import { input, layers, model as functionalModel, sequential } from '../../src/frontend/index.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { setInitializerSeed } from '../../src/frontend/random.js';
import { interpret } from '../../src/ir/interpreter.js';
import { tensor } from '../../src/ir/tensor.js';
import { wasmExecutor, loadWasmBackend } from '../../src/train/wasm-executor.js';
import { takeExamples, type TrainTestData } from '../../src/train/data/dataset.js';
import { loadFashionMnist } from '../../src/train/data/fashion-mnist.js';
import { Trainer } from '../../src/train/trainer.js';
import { exampleValues } from '../../src/train/batches.js';

const MODEL = 'examples/fashion-mnist/model.ts';
let data: TrainTestData;

function seedTrainer(seed = 42) {
  const { model } = loadModelFile(MODEL, { typeCheck: false });
  return new Trainer(model.toGraph(), model.trainingConfig!, { seed, executor: wasmExecutor });
}

describe('fit', () => {
  beforeAll(async () => {
    await loadWasmBackend();
    data = await loadFashionMnist({ baseUrl: null });
  });

  it('1 epoch on 6,000 Fashion-MNIST images passes 0.75 test accuracy', () => {
    const trainer = seedTrainer();
    const history = trainer.fit(takeExamples(data.train, 6000), { epochs: 1, batchSize: 32 });
    expect(history.loss).toHaveLength(1);
    const [loss, accuracy] = trainer.evaluate(data.test, 500);
    expect(accuracy).toBeGreaterThan(0.75);
    expect(loss).toBeLessThan(history.loss![0]! + 0.2);
  });

  it('trains on pixel bytes exactly as on their float values, validation split included', () => {
    const subset = takeExamples(data.train, 640);
    const asFloats = { x: exampleValues(subset.x), y: subset.y };
    expect('bytes' in subset.x).toBe(true); // Fashion-MNIST stays bytes until a batch is gathered
    const fit = (d: typeof subset | typeof asFloats) => {
      const trainer = seedTrainer();
      const history = trainer.fit(d, { epochs: 2, batchSize: 32, validationSplit: 0.25 });
      return { history, weights: [...trainer.weights().values()].map((w) => [...w]) };
    };
    const fromBytes = fit(subset);
    const fromFloats = fit(asFloats);
    expect(fromBytes.history).toEqual(fromFloats.history);
    expect(fromBytes.weights).toEqual(fromFloats.weights);
  });

  it('is deterministic for a seed, and the seed matters', () => {
    const run = (seed: number) => {
      const trainer = seedTrainer(seed);
      const history = trainer.fit(takeExamples(data.train, 640), { epochs: 2, batchSize: 32 });
      return { history, weights: trainer.weights().get('dense/kernel')! };
    };
    const a = run(7);
    const b = run(7);
    const c = run(8);
    expect(b.history).toEqual(a.history);
    expect(Buffer.from(b.weights.buffer).equals(Buffer.from(a.weights.buffer))).toBe(true);
    expect(c.history.loss).not.toEqual(a.history.loss);
  });

  it('stops on a NaN loss, naming the step and the last finite loss', () => {
    const trainer = seedTrainer();
    const subset = takeExamples(data.train, 320);
    const x = exampleValues(subset.x).data.slice();
    x[70 * 784 + 400] = NaN; // example 70 is in step 3 of batches of 32
    let error: unknown;
    try {
      trainer.fit({ x: tensor(subset.x.shape, x), y: subset.y }, { epochs: 1, batchSize: 32, shuffle: false });
    } catch (e) {
      error = e;
    }
    expect(isNncError(error) && error.code).toBe('NNC5001');
    expect((error as Error).message).toMatch(/loss is NaN at epoch 1, step 3\/10 \(optimizer step 3\); last finite loss \d+\.\d{4}/);
  });

  it('reports validation metrics from validationSplit and validationData', () => {
    const trainer = seedTrainer();
    const h1 = trainer.fit(takeExamples(data.train, 400), { epochs: 1, validationSplit: 0.25 });
    expect(Object.keys(h1).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    const h2 = trainer.fit(takeExamples(data.train, 200), { epochs: 1, validationData: takeExamples(data.test, 100) });
    expect(h2.val_accuracy![0]).toBeGreaterThan(0.3);
  });

  it('predict matches the reference interpreter on the trained weights', () => {
    const trainer = seedTrainer();
    trainer.fit(takeExamples(data.train, 256), { epochs: 1 });
    const x = takeExamples(data.test, 40).x;
    const [probs] = trainer.predict(x, 16);
    const want = interpret(trainer.trainedGraph(), { [trainer.trainedGraph().inputs[0]!.name!]: tensor(x.shape, exampleValues(x).data) });
    expect(probs!.shape).toEqual([40, 10]);
    const ref = Object.values(want)[0]!.data;
    for (let i = 0; i < ref.length; i++) expect(Math.abs(probs!.data[i]! - ref[i]!)).toBeLessThan(1e-5);
  });

  it('fits user data with every loss and optimizer (the interpreter as executor)', () => {
    setInitializerSeed(3);
    // XOR: binary cross-entropy on probabilities, and on logits.
    const xor = { x: tensor([4, 2], [0, 0, 0, 1, 1, 0, 1, 1]), y: tensor([4, 1], [0, 1, 1, 0]) };
    for (const fromLogits of [false, true]) {
      const m = sequential({
        layers: [layers.dense({ units: 8, activation: 'tanh', inputShape: [2] }), layers.dense({ units: 1, activation: fromLogits ? 'linear' : 'sigmoid' })],
      });
      const t = new Trainer(m.toGraph(), { optimizer: { name: 'adam', learningRate: 0.05 }, loss: { name: 'binaryCrossentropy', fromLogits }, metrics: ['accuracy'] });
      t.fit(xor, { epochs: 150, batchSize: 4 });
      expect(t.evaluate(xor)[1]).toBe(1);
    }
    // Categorical cross-entropy (one-hot targets) with rmsprop, logits and probabilities.
    const x = tensor([6, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1, 0.9, 0.1, 0, 0, 0.9, 0.1, 0.1, 0, 0.9]);
    const y = tensor([6, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    for (const fromLogits of [false, true]) {
      const inp = input({ shape: [3] });
      const out = layers.dense({ units: 3, activation: fromLogits ? 'linear' : 'softmax' }).apply(inp);
      const t = new Trainer(functionalModel({ inputs: inp, outputs: out }).toGraph(), {
        optimizer: { name: 'rmsprop', learningRate: 0.05 },
        loss: { name: 'categorical_crossentropy', fromLogits },
        metrics: ['accuracy'],
      });
      const before = t.evaluate({ x, y })[0]!;
      t.fit({ x, y }, { epochs: 60, batchSize: 3 });
      const [after, acc] = t.evaluate({ x, y });
      expect(after).toBeLessThan(before / 4);
      expect(acc).toBe(1);
    }
    // Mean squared error regression with sgd + nesterov momentum: y = 2x - 1.
    const xs = tensor([8, 1], [-1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75]);
    const ys = tensor([8, 1], Array.from(xs.data, (v) => 2 * v - 1));
    const reg = sequential({ layers: [layers.dense({ units: 1, inputShape: [1] })] });
    const t = new Trainer(reg.toGraph(), { optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true }, loss: 'mse' });
    t.fit({ x: xs, y: ys }, { epochs: 100, batchSize: 8 });
    expect(t.evaluate({ x: xs, y: ys })[0]).toBeLessThan(1e-4);
  });

  it('rejects data that does not match the model', () => {
    const trainer = seedTrainer();
    expect(() => trainer.fit({ x: tensor([2, 27, 28]), y: tensor([2]) })).toThrow(/NNC5002.*shape \[2,27,28\], expected \[N,28,28\]/);
    expect(() => trainer.fit({ x: tensor([2, 28, 28]), y: tensor([3]) })).toThrow(/NNC5002/);
    expect(() => new Trainer(seedTrainer().trainedGraph(), { optimizer: 'adagrad', loss: 'mse' })).toThrow(/NNC5005.*unknown optimizer 'adagrad'/);
  });
});
