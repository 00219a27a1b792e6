/**
 * The training executor (the graph optimized and compiled by the bundle's wasm backend) against
 * the reference interpreter, on whole training steps of every fixture model: every step output
 * (loss, metric, updated weights, optimizer slots) agrees to 1e-5 relative to the output's scale
 * (the GEMM sums in float32 in another order than the reference's float64 sums).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import { layers } from '../../src/frontend/layers/index.js';
import { input } from '../../src/frontend/layers/input-layer.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { model as functionalModel } from '../../src/frontend/model.js';
import { Random } from '../../src/frontend/random.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import { interpret, type TensorMap } from '../../src/ir/interpreter.js';
import { tensor } from '../../src/ir/tensor.js';
import { concreteShape, tensorType } from '../../src/ir/types.js';
import { gradientGraph } from '../../src/train/autodiff.js';
import { wasmExecutor, loadWasmBackend } from '../../src/train/wasm-executor.js';
import { interpreterExecutor } from '../../src/train/executor.js';
import { Trainer } from '../../src/train/trainer.js';

/** Every output of one step equals the interpreter's within 1e-5 of the output's scale. */
function expectStepMatches(trainer: Trainer, batches: readonly number[]): void {
  const compiled = wasmExecutor(trainer.graphs.train);
  for (const batch of batches) {
    const feeds = stepInputs(trainer, batch, batch);
    const want = interpret(trainer.graphs.train, feeds);
    const got = compiled.run(feeds);
    for (const [name, t] of Object.entries(want)) {
      let scale = 1;
      let worst = 0;
      for (let i = 0; i < t.data.length; i++) {
        scale = Math.max(scale, Math.abs(t.data[i]!));
        worst = Math.max(worst, Math.abs(t.data[i]! - got[name]!.data[i]!));
      }
      expect(worst, `${name} at batch ${batch}`).toBeLessThanOrEqual(1e-5 * scale);
    }
  }
}

function stepInputs(trainer: Trainer, batch: number, seed: number): TensorMap {
  const rng = new Random(seed);
  const feeds: TensorMap = {};
  for (const n of trainer.graphs.train.inputs) {
    const shape = concreteShape(n.type.shape, batch);
    const size = shape.reduce((a, d) => a * d, 1);
    const sparse = n.name!.startsWith('label:') && trainer.graphs.labelInputs.some((l) => l.name === n.name && l.type.shape.length === 1);
    const data = Float32Array.from({ length: size }, () => (sparse ? rng.int(10) : n.name === 'dropout_seed' ? 77 : n.name!.startsWith('v:') || n.name!.startsWith('opt:') ? rng.next() : rng.uniform(-1, 1)));
    feeds[n.name!] = tensor(shape, data);
  }
  return feeds;
}

describe('wasm training executor', () => {
  beforeAll(() => loadWasmBackend());

  for (const fixture of FIXTURES) {
    it(`${fixture.name}: one training step equals the interpreter's`, () => {
      const { model } = loadModelFile(fixture.path, { typeCheck: false });
      const seed = fixture.name.startsWith('seed');
      const trainer = new Trainer(model.toGraph(), seed ? model.trainingConfig! : { optimizer: 'adam', loss: 'meanSquaredError' });
      expectStepMatches(trainer, [5, 32]);
    });
  }

  it('trains through max and average pooling (their gradient kernels) as the interpreter does', () => {
    // A dense layer before the pools puts a weight behind them, so the step needs both gradients.
    const x = input({ shape: [7, 7, 2] });
    const features = layers.dense({ units: 3, activation: 'tanh' }).apply(x);
    const pooled = layers.maxPooling2d({ padding: 'same' }).apply(features);
    const smoothed = layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }).apply(pooled);
    const y = layers.dense({ units: 10, activation: 'softmax' }).apply(layers.flatten().apply(smoothed));
    const graph = functionalModel({ inputs: x, outputs: y }).toGraph();
    const trainer = new Trainer(graph, { optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const ops = new Set(trainer.graphs.train.nodes.map((n) => n.op));
    expect([...ops].filter((op) => op.endsWith('_pool2d_grad')).sort()).toEqual(['avg_pool2d_grad', 'max_pool2d_grad']);
    expectStepMatches(trainer, [1, 7]);
  });

  it('trains through global max pooling (reduce_max and its gradient) as the interpreter does', () => {
    const x = input({ shape: [5, 4, 2] });
    const features = layers.dense({ units: 3, activation: 'tanh' }).apply(x);
    const y = layers.dense({ units: 10, activation: 'softmax' }).apply(layers.globalMaxPooling2d().apply(features));
    const trainer = new Trainer(functionalModel({ inputs: x, outputs: y }).toGraph(), { optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    expectStepMatches(trainer, [1, 7]);
  });

  it('carries weights and optimizer state across steps and batch sizes as the interpreter does', () => {
    const { model } = loadModelFile(FIXTURES[0]!.path, { typeCheck: false });
    const rng = new Random(9);
    const data = {
      x: tensor([100, 28, 28], Float32Array.from({ length: 100 * 784 }, () => (rng.next() < 0.5 ? 0 : rng.next()))),
      y: tensor([100], Float32Array.from({ length: 100 }, () => rng.int(10))),
    };
    const fit = (executor: typeof interpreterExecutor) => {
      const trainer = new Trainer(model.toGraph(), model.trainingConfig!, { executor });
      // Batches of 32, 32, 32 and 4: the last one runs on a second plan, which takes the state over.
      const history = trainer.fit(data, { epochs: 2, batchSize: 32 });
      return { history, weights: trainer.weights() };
    };
    const want = fit(interpreterExecutor);
    const got = fit(wasmExecutor);
    want.history.loss!.forEach((l, i) => expect(Math.abs(l - got.history.loss![i]!)).toBeLessThan(1e-5));
    for (const [name, w] of want.weights) {
      let worst = 0;
      for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i]! - got.weights.get(name)![i]!));
      expect(worst, name).toBeLessThan(1e-5);
    }
  });

  it('runs a multi-result node (split) and the gradient through it as the interpreter does', () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 6]));
    const w = b.input('w', tensorType([6, 6]));
    const [p, , r] = b.multi('split', [b.op('matmul', [x, w])], { axis: 1, sizes: [2, 1, 3] });
    const loss = b.op('reduce_sum', [b.op('concat', [b.op('tanh', [p!]), b.op('mul', [r!, r!])], { axis: 1 })]);
    b.output('loss', loss);
    const graph = gradientGraph(b.build(), 'loss', ['w']);
    const rng = new Random(4);
    const feeds = { x: tensor([5, 6], Float32Array.from({ length: 30 }, () => rng.uniform(-1, 1))), w: tensor([6, 6], Float32Array.from({ length: 36 }, () => rng.uniform(-1, 1))) };
    const want = interpret(graph, feeds);
    const got = wasmExecutor(graph).run(feeds);
    expect(Math.abs(got.loss!.data[0]! - want.loss!.data[0]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want.loss!.data[0]!)));
    const g = want['grad:w']!.data;
    expect(g.some((v) => v !== 0)).toBe(true);
    for (let i = 0; i < g.length; i++) expect(Math.abs(got['grad:w']!.data[i]! - g[i]!), `grad:w[${i}]`).toBeLessThan(1e-5);
  });
});
