import { describe, expect, it } from 'vitest';
import { isNncError } from '../../src/errors.js';
import { interpret } from '../../src/ir/interpreter.js';
import { parseGraph } from '../../src/ir/parser.js';
import { printGraph } from '../../src/ir/printer.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { optimize, PASSES, PIPELINE } from '../../src/passes/index.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { loadFixtureGraphs } from './fixture-graphs.js';
import { ir } from './pass-case.js';

const fixtures = loadFixtureGraphs();

/** The optimized seed model; Keras names its input after the first layer in the Sequential style. */
const seedOptimized = (input: string) => ir`
  %${input} = input : f32[?,28,28]
  %dense/kernel = weight : f32[784,128]
  %dense/bias = weight : f32[128]
  %dense_1/kernel = weight : f32[128,10]
  %dense_1/bias = weight : f32[10]
  %0 = dense %${input}, %dense/kernel, %dense/bias {activation="relu"} : f32[?,128]
  %1 = dense %0, %dense_1/kernel, %dense_1/bias {activation="softmax"} : f32[?,10]
  output "dense_1" = %1
`;

describe('optimize', () => {
  it.each([
    ['seed-sequential', 'flatten_input'],
    ['seed-functional', 'input_1'],
  ])('reduces the seed model (%s) to two fused dense kernels', (name, input) => {
    const { graph } = fixtures.find((f) => f.name === name)!;
    expect(printGraph(optimize(graph, { verify: true }))).toBe(seedOptimized(input));
  });

  it.each(fixtures.map((f) => [f.name, f.graph] as const))('keeps the outputs of %s within 1e-6 on random inputs', (_name, graph) => {
    const optimized = optimize(graph, { verify: true });
    verifyGraph(optimized, { requireWeightData: true });
    expect(optimized.nodes.length).toBeLessThan(graph.nodes.length);
    for (const batch of [1, 3]) {
      const { tensors } = randomInputs(graph, batch, 11 + batch);
      const before = interpret(graph, tensors);
      const after = interpret(optimized, tensors);
      for (const o of graph.outputs) {
        expect(after[o.name]!.shape).toEqual(before[o.name]!.shape);
        expect(maxAbsDiff(after[o.name]!.data, before[o.name]!.data)).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  it.each(fixtures.map((f) => [f.name, f.graph] as const))('leaves no matmul, bias add, activation, identity or dropout in %s', (_name, graph) => {
    const nodes = optimize(graph).nodes;
    const ops = new Set(nodes.map((n) => n.op));
    for (const gone of ['matmul', 'add', 'softmax', 'identity', 'dropout']) expect(ops.has(gone)).toBe(false);
    // An activation stays only after a residual dense: the dense adds its residual last.
    for (const n of nodes.filter((n) => n.op === 'relu')) expect(n.inputs[0]!.attrs.residual).toBe(true);
  });

  it('is idempotent: a second run changes nothing', () => {
    for (const { graph } of fixtures) {
      const once = optimize(graph);
      expect(printGraph(optimize(once))).toBe(printGraph(once));
    }
  });

  it('runs the pipeline in table order, reporting each pass, or the passes asked for', () => {
    const seen: string[] = [];
    optimize(fixtures[0]!.graph, { onPass: (name) => seen.push(name) });
    expect(seen).toEqual(PASSES.map((p) => p.name));
    expect(PIPELINE).toEqual(['canonicalize', 'fold-constants', 'layout', 'fold-batch-norm', 'cse', 'accumulate-products', 'dce', 'fuse', 'sum-pooled-gradients', 'schedule']);
    const partial: string[] = [];
    const g = optimize(fixtures[0]!.graph, { passes: ['dce', 'fuse', 'dce'], onPass: (name) => partial.push(name) });
    expect(partial).toEqual(['dce', 'fuse', 'dce']);
    expect(printGraph(g)).toBe(seedOptimized('flatten_input'));
  });

  it('with verify, reports a malformed graph naming the pass after which it was found', () => {
    const bad = parseGraph('%x = input : f32[?,3]\n%0 = relu %x : f32[?,4]\noutput "y" = %0\n');
    expect(() => optimize(bad, { verify: true })).toThrow(/NNC2007.*after pass 'canonicalize': stated type f32\[\?,4\]/);
  });

  it('rejects unknown pass names with NNC4004 before running anything', () => {
    const seen: string[] = [];
    try {
      optimize(fixtures[0]!.graph, { passes: ['dce', 'inline', 'fuze'], onPass: (n) => seen.push(n) });
      expect.unreachable();
    } catch (e) {
      expect(isNncError(e) && e.code).toBe('NNC4004');
      expect((e as Error).message).toContain("'inline', 'fuze'");
      expect((e as Error).message).toContain('canonicalize, fold-constants');
    }
    expect(seen).toEqual([]);
  });
});
