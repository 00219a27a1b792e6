/**
 * Deep models are walked without recursion: a Sequential model 12,000 layers deep (recursion
 * overflowed the call stack near 10,000) lowers to IR, prints its summary and optimizes.
 */
import { describe, expect, it } from 'vitest';
import { layers, sequential } from '../../src/frontend/index.js';
import { optimize } from '../../src/passes/index.js';

describe('deep models', () => {
  it('lowers, summarizes and optimizes a model 12,000 layers deep', () => {
    const stack = [layers.dense({ inputShape: [2], units: 2 })];
    for (let i = 0; i < 12_000; i++) stack.push(layers.dense({ units: 2, useBias: false }));
    const model = sequential({ layers: stack });
    const graph = model.toGraph();
    expect(graph.nodes.filter((n) => n.op === 'matmul')).toHaveLength(12_001);
    expect(model.summary(null)).toContain('Total params: 48006 (187.52 KB)');
    expect(optimize(graph).nodes.filter((n) => n.op === 'dense')).toHaveLength(12_001);
  });
});
