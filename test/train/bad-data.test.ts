/**
 * Training data and options are checked by value before anything is allocated or trained: each
 * bad value is an NncError naming the option or the example (hostile input, not a crash inside
 * WebAssembly.Memory or a silent run on garbage labels).
 */
import { describe, expect, it } from 'vitest';
import { layers, sequential } from '../../src/frontend/index.js';
import { tensor } from '../../src/ir/tensor.js';
import { parseTrainingFlags } from '../../src/cli/training-flags.js';
import { readTrainingPlan } from '../../src/train/plan.js';
import { Trainer } from '../../src/train/trainer.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';

describe('training options by value', () => {
  const base = { dataset: 'fashion-mnist' };
  it.each([
    ['batchSize', 0],
    ['batchSize', Number.NaN],
    ['batchSize', -1],
    ['batchSize', 1.5],
    ['batchSize', 1e9],
    ['epochs', -1],
    ['epochs', 2.5],
    ['trainExamples', -1],
    ['seed', -3],
    ['validationSplit', Number.NaN],
    ['validationSplit', -0.5],
    ['validationSplit', 2],
    ['shuffle', 'yes'],
  ] as const)('refuses training.%s = %s with NNC5005 naming the option and the value', (key, value) => {
    const e = catchNnc(() => readTrainingPlan({ ...base, [key]: value }));
    expect(e.code).toBe('NNC5005');
    expect(e.message).toContain(`training.${key} must be`);
    expect(e.message).toContain(typeof value === 'string' ? `'${value}'` : String(value));
  });

  it('refuses --batch-size above the limit on the command line (NNC4003)', () => {
    const e = catchNnc(() => parseTrainingFlags('train', { 'batch-size': '1000000' }));
    expect(e.code).toBe('NNC4003');
    expect(e.message).toContain("--batch-size must be an integer ≥ 1 and ≤ 65536, got '1000000'");
  });

  it('takes good values', () => {
    expect(readTrainingPlan({ ...base, batchSize: 32, epochs: 5, validationSplit: 0.1, shuffle: false, seed: 0, trainExamples: 100 })).toMatchObject({ batchSize: 32 });
  });
});

describe('training labels by value', () => {
  const classifier = () => {
    const m = sequential({ layers: [layers.dense({ inputShape: [2], units: 3, activation: 'softmax' })] });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return new Trainer(m.toGraph(), m.trainingConfig!);
  };
  const x = tensor([4, 2], [0, 1, 1, 0, 1, 1, 0, 0]);

  it.each([7, 3, -1, 1.5, Number.NaN, 1e9])('refuses the class label %s (3 classes) with NNC5002 naming the example', (bad) => {
    const e = catchNnc(() => classifier().fit({ x, y: tensor([4], [0, 2, bad, 1]) }, { epochs: 1 }));
    expect(e.code).toBe('NNC5002');
    expect(e.message).toContain(`holds ${bad} at example 2`);
    expect(e.hint).toContain('integers from 0 to 2');
  });

  it('refuses an empty data set, in fit and in evaluate', () => {
    const empty = { x: tensor([0, 2], []), y: tensor([0], []) };
    expect(catchNnc(() => classifier().fit(empty, { epochs: 1 })).message).toContain('no examples');
    expect(catchNnc(() => classifier().evaluate(empty)).message).toContain('no examples');
  });

  it('trains on good labels', () => {
    const history = classifier().fit({ x, y: tensor([4], [0, 2, 1, 1]) }, { epochs: 2, batchSize: 2 });
    expect(history.loss).toHaveLength(2);
  });

  it('takes a batch size far past the data set as one batch of all of it', () => {
    // Its batch buffers hold the 4 examples, not 2^40 rows (a RangeError the fuzzer found).
    const history = classifier().fit({ x, y: tensor([4], [0, 2, 1, 1]) }, { epochs: 1, batchSize: 2 ** 40 });
    expect(history.loss).toHaveLength(1);
    expect(Number.isFinite(history.loss![0])).toBe(true);
  });
});
