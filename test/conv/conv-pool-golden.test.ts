/**
 * conv2d + pooling fused into one kernel (the fuse pass's `pool` epilogue) against tfjs, every
 * backend, batch 1, 7 and 64; the fused graph's interpreter too, and a check that the pass fused.
 */
import { describe, expect, it } from 'vitest';
import { interpret } from '../../src/ir/interpreter.js';
import { optimize } from '../../src/passes/index.js';
import { describeTfjsGolden } from '../helpers/model-golden.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { CONV_POOL_CASES } from './conv-pool-models.js';

describeTfjsGolden('conv2d + pooling: $name', CONV_POOL_CASES);

describe.each(CONV_POOL_CASES)('conv2d + pooling, fused: $name', ({ make }) => {
  it('the optimized graph pools in the conv2d, and the interpreter gives what it gives unfused', () => {
    const graph = make().toGraph();
    const fused = optimize(graph);
    expect(fused.nodes.some((n) => n.op.endsWith('_pool2d'))).toBe(false);
    expect(fused.nodes.filter((n) => n.op === 'conv2d').every((n) => n.attrs.pool !== 'none')).toBe(true);
    const name = graph.outputs[0]!.name;
    for (const batch of [1, 7]) {
      const { tensors } = randomInputs(graph, batch, batch);
      // The same f32 sums in the same order: only the pooling's order of evaluation moves.
      expect(maxAbsDiff(interpret(fused, tensors)[name]!.data, interpret(graph, tensors)[name]!.data)).toBeLessThanOrEqual(1e-6);
    }
  });
});
