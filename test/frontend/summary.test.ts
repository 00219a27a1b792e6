import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import { input, layers, model, sequential } from '../../src/index.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { readableBytes } from '../../src/frontend/summary.js';
import { resetNameScope } from '../../src/frontend/naming.js';
import { expectGolden, readGolden } from '../helpers/golden.js';

// The Keras notebook's own summary() output is the expected text, verbatim except for the two `=`
// rules every Keras 2 version prints (the notebook's text lost them). The models are built with
// default names: the notebook's session ran its Sequential cell and its Functional cell twice each,
// in that order, and Keras' counters gave the second runs the names its printed summaries show.
const withoutRules = (text: string) => text.split('\n').filter((l) => !/^=+$/.test(l)).join('\n');

const notebookSequential = () =>
  sequential({
    layers: [
      layers.flatten({ inputShape: [28, 28] }),
      layers.dense({ units: 128, activation: 'relu' }),
      layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });

function notebookFunctional() {
  const inputLayer = input({ shape: [28, 28] });
  let x = layers.flatten().apply(inputLayer);
  x = layers.dense({ units: 128, activation: 'relu' }).apply(x);
  const output = layers.dense({ units: 10, activation: 'softmax' }).apply(x);
  return model({ inputs: inputLayer, outputs: output });
}

describe('summary()', () => {
  resetNameScope();
  const firstRun = [notebookSequential(), notebookFunctional()] as const;
  const [seq, func] = [notebookSequential(), notebookFunctional()];

  it('names the first run as Keras 2.13 does: zero-based layers and models, one-based inputs', () => {
    expect(firstRun.map((m) => [m.name, ...m.layers.map((l) => l.name)])).toEqual([
      ['sequential', 'flatten', 'dense', 'dense_1'],
      ['model', 'input_1', 'flatten_1', 'dense_2', 'dense_3'],
    ]);
    expect(firstRun[0].inputs.map((t) => t.layer.name)).toEqual(['flatten_input']);
  });

  it('prints the notebook Sequential summary exactly, names included', () => {
    const text = seq.summary(null);
    expect(withoutRules(text) + '\n').toBe(readGolden('keras-notebook-sequential-summary.txt'));
    const lines = text.split('\n');
    expect([lines[3], lines.at(-5)]).toEqual(['='.repeat(65), '='.repeat(65)]);
  });

  it('prints the notebook Functional summary exactly, names and InputLayer row included', () => {
    expect(withoutRules(func.summary(null)) + '\n').toBe(readGolden('keras-notebook-functional-summary.txt'));
  });

  it('keeps names the user gives, and they move no counter (Keras only observes them)', () => {
    resetNameScope();
    expect([layers.dense({ units: 2, name: 'dense' }).name, layers.dense({ units: 2 }).name]).toEqual(['dense', 'dense']);
    const named = sequential({ name: 'classifier', layers: [layers.dense({ units: 2, inputShape: [3], name: 'hidden' })] });
    expect([named.name, named.inputs[0]!.layer.name]).toEqual(['classifier', 'hidden_input']);
    expect(sequential({ layers: [layers.dense({ units: 1, inputShape: [3] })] }).name).toBe('sequential');
  });

  it('prints graphs with the Connected to column, as Keras', () => {
    for (const name of ['two-inputs', 'shared-layer', 'branches']) {
      const { model: m } = loadModelFile(FIXTURES.find((f) => f.name === name)!.path, { typeCheck: false });
      const text = m.summary(null);
      expect(text.split('\n')[2]).toMatch(/^ Layer \(type\) +Output Shape +Param # +Connected to +$/);
      expect(text.split('\n').every((l) => l.length <= 98)).toBe(true);
      expectGolden(`summary-${name}.txt`, text + '\n');
    }
  });

  it('counts shared weights once and prints both calls of a shared layer', () => {
    const { model: m } = loadModelFile(FIXTURES.find((f) => f.name === 'shared-layer')!.path, { typeCheck: false });
    const text = m.summary(null);
    expect(text).toContain(" encoder (Dense)             (None, 8)                    56        ['left[0][0]',");
    expect(text).toContain("'encoder[1][0]'");
    expect(text).toContain('Total params: 74 (296.00 Byte)');
  });

  it('formats sizes as Keras readable_memory_size', () => {
    expect(readableBytes(0)).toBe('0.00 Byte');
    expect(readableBytes(407080)).toBe('397.54 KB');
    expect(readableBytes(3 * 1024 * 1024)).toBe('3.00 MB');
  });
});
