import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import { input, layers, model, sequential } from '../../src/index.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { readableBytes } from '../../src/frontend/summary.js';
import { expectGolden, readGolden } from '../helpers/golden.js';

// The Keras notebook's own summary() output is the expected text, verbatim except for the two `=`
// rules every Keras 2 version prints (the notebook's text lost them); the models are built with the
// layer names Keras happened to give them there.
const withoutRules = (text: string) => text.split('\n').filter((l) => !/^=+$/.test(l)).join('\n');

describe('summary()', () => {
  it('prints the notebook Sequential summary exactly', () => {
    const seq = sequential({
      name: 'sequential_1',
      layers: [
        layers.flatten({ inputShape: [28, 28], name: 'flatten_2' }),
        layers.dense({ units: 128, activation: 'relu', name: 'dense_4' }),
        layers.dense({ units: 10, activation: 'softmax', name: 'dense_5' }),
      ],
    });
    const text = seq.summary(null);
    expect(withoutRules(text) + '\n').toBe(readGolden('keras-notebook-sequential-summary.txt'));
    const lines = text.split('\n');
    expect([lines[3], lines.at(-5)]).toEqual(['='.repeat(65), '='.repeat(65)]);
  });

  it('prints the notebook Functional summary exactly, with its InputLayer row', () => {
    const inputLayer = input({ shape: [28, 28], name: 'input_2' });
    let x = layers.flatten({ name: 'flatten_3' }).apply(inputLayer);
    x = layers.dense({ units: 128, activation: 'relu', name: 'dense_6' }).apply(x);
    const output = layers.dense({ units: 10, activation: 'softmax', name: 'dense_7' }).apply(x);
    const func = model({ inputs: inputLayer, outputs: output, name: 'model_1' });
    expect(withoutRules(func.summary(null)) + '\n').toBe(readGolden('keras-notebook-functional-summary.txt'));
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
