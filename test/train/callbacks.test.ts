/**
 * Keras' callbacks and learning-rate schedules in `model.fit`: earlyStopping against tfjs'
 * tf.callbacks.earlyStopping on the same fit, restoreBestWeights, reduceLROnPlateau and
 * modelCheckpoint by Keras 2's rules, and exponentialDecay against tfjs SGD steps whose learning
 * rate is set by hand to Keras' formula.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { callbacks, schedules } from '../../src/index.js';
import { layers, sequential } from '../../src/frontend/index.js';
import type { LayersModel } from '../../src/frontend/model.js';
import { Random } from '../../src/frontend/random.js';
import { formatCheckpointPath } from '../../src/train/callbacks.js';
import { maxAbsDiff } from '../helpers/random-inputs.js';
import { buildTfjsTwin, tfjsReady } from '../helpers/tfjs-twin.js';
import { loadArtifacts } from './helpers/load-artifacts.js';

const N = 32;
const rng = new Random(8);
const x = { shape: [N, 4], data: Array.from({ length: N * 4 }, () => rng.uniform(-1, 1)) };
const y = { shape: [N, 2], data: Array.from({ length: N * 2 }, () => rng.uniform(-1, 1)) };
const regressor = (): LayersModel => sequential({ layers: [layers.dense({ units: 6, activation: 'tanh', inputShape: [4] }), layers.dense({ units: 2 })] });

describe('callbacks and schedules', () => {
  beforeAll(() => tfjsReady());

  it('earlyStopping stops at the epoch tfjs earlyStopping stops at, on the same fit', async () => {
    const m = regressor();
    const twin = buildTfjsTwin(m);
    m.compile({ optimizer: { name: 'sgd', learningRate: 0.1 }, loss: 'mse' });
    twin.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const stop = callbacks.earlyStopping({ monitor: 'loss', minDelta: 0.01, patience: 1 });
    const ours = await m.fit(x, y, { epochs: 40, batchSize: 8, shuffle: false, verbose: 0, callbacks: stop });
    const theirs = await twin.fit(tf.tensor(x.data, x.shape), tf.tensor(y.data, y.shape), {
      epochs: 40, batchSize: 8, shuffle: false, verbose: 0,
      callbacks: tf.callbacks.earlyStopping({ monitor: 'loss', minDelta: 0.01, patience: 1 }),
    });
    expect(ours.epoch.length).toBeLessThan(40);
    expect(ours.epoch.length).toBe(theirs.epoch.length);
    expect(stop.stoppedEpoch).toBe(ours.epoch.at(-1));
    expect(maxAbsDiff(ours.history.loss!, theirs.history.loss as number[])).toBeLessThanOrEqual(1e-4);
  });

  it('earlyStopping with restoreBestWeights goes back to the best epoch; an unlogged monitor is refused', async () => {
    const m = regressor();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const stop = callbacks.earlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
    stop.setModel!(m);
    stop.onTrainBegin!();
    const marks: number[] = [];
    // Each epoch leaves weights marked by the epoch number; the best val_loss is epoch 1's.
    for (const [epoch, valLoss] of [1.0, 0.5, 0.6, 0.7, 0.4].entries()) {
      m.setWeights(m.getWeights().map((w) => ({ shape: w.shape, data: new Float32Array(w.data.length).fill(epoch) })));
      await stop.onEpochEnd!(epoch, { loss: 1, val_loss: valLoss });
      marks.push(m.getWeights()[0]!.data[0]!);
      if (m.stopTraining) break;
    }
    expect(stop.stoppedEpoch).toBe(3);
    expect(stop.bestEpoch).toBe(1);
    expect(marks).toEqual([0, 1, 2, 1]);
    const fresh = regressor();
    fresh.compile({ optimizer: 'sgd', loss: 'mse' });
    await expect(fresh.fit(x, y, { epochs: 2, verbose: 0, callbacks: callbacks.earlyStopping() })).rejects.toThrow(
      /NNC5005 .*earlyStopping: the fit does not log 'val_loss'/,
    );
  });

  it('reduceLROnPlateau lowers model.optimizer.learningRate by Keras rules (patience, cooldown, minLr)', async () => {
    const m = regressor();
    m.compile({ optimizer: { name: 'sgd', learningRate: 0.1 }, loss: 'mse' });
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    const plateau = callbacks.reduceLROnPlateau({ monitor: 'val_loss', factor: 0.5, patience: 2, cooldown: 1, minLr: 0.02 });
    plateau.setModel!(m);
    plateau.onTrainBegin!();
    const rates: number[] = [];
    for (const [epoch, valLoss] of [1, 1, 1, 1, 1, 1, 1, 1].entries()) {
      await plateau.onEpochEnd!(epoch, { loss: 1, val_loss: valLoss });
      rates.push(Number(m.optimizer!.learningRate.toFixed(6)));
    }
    // The first epoch sets the best; two epochs without improvement halve the rate; the epoch of
    // cooldown after it counts again at once (Keras decrements, then counts); never below 0.02.
    expect(rates).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02]);
  });

  it('a learning rate set between fits is the one the next steps use', async () => {
    const runs = await Promise.all(
      [0.05, 0.2].map(async (given) => {
        const a = regressor();
        const b = buildTfjsTwin(a);
        a.compile({ optimizer: { name: 'sgd', learningRate: 0.2 }, loss: 'mse' });
        b.compile({ optimizer: tf.train.sgd(0.2), loss: 'meanSquaredError' });
        await a.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
        await b.fit(tf.tensor(x.data, x.shape), tf.tensor(y.data, y.shape), { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
        a.optimizer!.learningRate = given;
        (b.optimizer as tf.SGDOptimizer).setLearningRate(given);
        const h = await a.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
        const t = await b.fit(tf.tensor(x.data, x.shape), tf.tensor(y.data, y.shape), { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
        return maxAbsDiff(h.history.loss!, t.history.loss as number[]);
      }),
    );
    for (const d of runs) expect(d).toBeLessThanOrEqual(1e-5);
  });

  it('exponentialDecay (continuous and staircase) equals tfjs SGD steps at Keras rates', async () => {
    for (const staircase of [false, true]) {
      const m = regressor();
      const twin = buildTfjsTwin(m);
      const schedule = schedules.exponentialDecay({ initialLearningRate: 0.3, decaySteps: 3, decayRate: 0.5, staircase });
      m.compile({ optimizer: { name: 'sgd', learningRate: schedule }, loss: 'mse' });
      const sgd = tf.train.sgd(0.3);
      twin.compile({ optimizer: sgd, loss: 'meanSquaredError' });
      await m.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
      const xt = tf.tensor(x.data, x.shape);
      const yt = tf.tensor(y.data, y.shape);
      for (let step = 0; step < 8; step++) {
        sgd.setLearningRate(0.3 * Math.pow(0.5, staircase ? Math.floor(step / 3) : step / 3));
        await twin.trainOnBatch(xt.slice([(step % 4) * 8, 0], [8, 4]), yt.slice([(step % 4) * 8, 0], [8, 2]));
      }
      const ours = m.getWeights();
      twin.getWeights().forEach((w, i) => expect(maxAbsDiff(ours[i]!.data, w.dataSync()), `staircase ${staircase}, weight ${i}`).toBeLessThanOrEqual(1e-6));
      expect(m.optimizer!.learningRate).toBeCloseTo(0.3 * Math.pow(0.5, staircase ? 2 : 8 / 3), 7);
    }
    expect(() => schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.9 })).toThrow(/NNC5005 .*exponentialDecay: decaySteps must be a positive number, got 0/);
  });

  it('modelCheckpoint saves loadable tfjs models per epoch, or only on improvement, with formatted names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnc-ckpt-'));
    const m = regressor();
    m.compile({ optimizer: { name: 'sgd', learningRate: 0.05 }, loss: 'mse' });
    await m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, callbacks: callbacks.modelCheckpoint({ filepath: join(dir, 'every', 'e{epoch:02d}-{loss:.3f}') }) });
    const every = readdirSync(join(dir, 'every')).sort();
    expect(every).toHaveLength(3);
    expect(every.map((d) => d.slice(0, 4))).toEqual(['e01-', 'e02-', 'e03-']);
    const last = join(dir, 'every', every[2]!);
    const loaded = await loadArtifacts(JSON.parse(readFileSync(join(last, 'model.json'), 'utf8')), new Uint8Array(readFileSync(join(last, 'weights.bin'))));
    loaded.getWeights().forEach((w, i) => expect(maxAbsDiff(w.dataSync(), m.getWeights()[i]!.data)).toBe(0));

    const best = join(dir, 'best');
    const saves: number[] = [];
    const checkpoint = callbacks.modelCheckpoint({ filepath: best, monitor: 'val_loss', saveBestOnly: true });
    checkpoint.setModel!(m);
    checkpoint.onTrainBegin!();
    for (const [epoch, v] of [0.5, 0.7, 0.4].entries()) {
      await checkpoint.onEpochEnd!(epoch, { loss: 1, val_loss: v });
      saves.push(existsSync(best) ? readFileSync(join(best, 'model.json')).length : 0);
    }
    expect(saves[0]).toBeGreaterThan(0);
    expect(readdirSync(dir).sort()).toEqual(['best', 'every']);
    expect(formatCheckpointPath('ck-{epoch}-{val_accuracy:.2f}', 4, { val_accuracy: 0.8765 })).toBe('ck-5-0.88');
    expect(() => formatCheckpointPath('ck-{val_acc}', 0, { loss: 1 })).toThrow(/NNC5005 .*modelCheckpoint: filepath 'ck-\{val_acc\}' names 'val_acc', which the fit does not log/);
  });
});
