import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { parseGraph } from '../../src/ir/parser.js';
import { printGraph } from '../../src/ir/printer.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { expectGolden } from '../helpers/golden.js';

const fixture = (name: string) => FIXTURES.find((f) => f.name === name)!.path;

describe('lowering to one SSA IR', () => {
  it('gives identical IR text for the Sequential and Functional seed models, but for the input Keras names each', () => {
    const seq = printGraph(loadModelFile(fixture('seed-sequential')).model.toGraph());
    const func = printGraph(loadModelFile(fixture('seed-functional')).model.toGraph());
    // Keras names a Sequential's own input after its first layer, a Functional one input_1.
    expect(seq.split('\n')[0]).toBe('%flatten_input = input : f32[?,28,28]');
    expect(func.split('\n')[0]).toBe('%input_1 = input : f32[?,28,28]');
    expect(func.replaceAll('%input_1', '%flatten_input')).toBe(seq);
    expectGolden('ir-seed.txt', seq);
  });

  it('gives identical weights for both styles (same seed, same creation order)', () => {
    const a = loadModelFile(fixture('seed-sequential'), { typeCheck: false }).model.toGraph();
    const b = loadModelFile(fixture('seed-functional'), { typeCheck: false }).model.toGraph();
    expect([...a.weights.keys()]).toEqual([...b.weights.keys()]);
    for (const [name, data] of a.weights) expect(Buffer.from(b.weights.get(name)!.buffer)).toEqual(Buffer.from(data.buffer));
  });

  it('initializes weights deterministically from the seed', () => {
    const w = (seed: number) => loadModelFile(fixture('seed-sequential'), { typeCheck: false, seed }).model.toGraph().weights.get('dense/kernel')!;
    expect(w(1)).toEqual(w(1));
    expect(w(1)).not.toEqual(w(2));
    // Glorot uniform: |w| <= sqrt(6 / (784 + 128)); zero biases.
    const limit = Math.sqrt(6 / (784 + 128));
    expect(Math.max(...w(3).map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...w(3).map(Math.abs))).toBeGreaterThan(limit * 0.99);
  });

  for (const f of FIXTURES) {
    it(`${f.name}: verifies, and print -> parse -> print is the identity`, () => {
      const graph = loadModelFile(f.path, { typeCheck: false }).model.toGraph();
      verifyGraph(graph, { requireWeightData: true });
      const text = printGraph(graph);
      const parsed = parseGraph(text, { weights: graph.weights as ReadonlyMap<string, Float32Array> });
      verifyGraph(parsed, { requireWeightData: true });
      expect(printGraph(parsed)).toBe(text);
    });
  }

  it('lowers a shared layer to one set of weight nodes used twice', () => {
    const text = printGraph(loadModelFile(fixture('shared-layer'), { typeCheck: false }).model.toGraph());
    expect(text.match(/= weight/g)).toHaveLength(4);
    expect(text.match(/matmul %\w+, %encoder\/kernel/g)).toHaveLength(2);
  });

  it('names graph inputs and outputs after the model layers', () => {
    const g = loadModelFile(fixture('two-outputs'), { typeCheck: false }).model.toGraph();
    expect(g.inputs.map((n) => n.name)).toEqual(['input_1']);
    expect(g.outputs.map((o) => o.name)).toEqual(['kind', 'score']);
  });
});
