/**
 * ONNX export of the Average / Maximum / Minimum merges (Max / Min from the ops' scalar math,
 * Add and Mul): onnxruntime-web runs the exported graph and equals the reference interpreter
 * within 1e-5 at batch 1 and 7, before and after the optimizing passes. The 1-D layers export as
 * 2-D convolutions and pools on a width-1 image (test/export-onnx.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../src/export/onnx.js';
import { input, layers, model } from '../../src/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { optimize } from '../../src/passes/index.js';
import { onnxSession, ort } from '../helpers/onnxruntime.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';

/** The merges over dense branches, one of them broadcast ([1, 4] against [3, 4]). */
function mergeModel(): Graph {
  const x = input({ shape: [6] });
  const branch = () => layers.dense({ units: 4, activation: 'tanh' }).apply(x);
  const [a, b, c] = [branch(), branch(), branch()];
  const wide = layers.reshape({ targetShape: [3, 4] }).apply(layers.dense({ units: 12 }).apply(x));
  const narrow = layers.reshape({ targetShape: [1, 4] }).apply(a);
  return model({ inputs: x, outputs: [layers.maximum().apply([a, b, c]), layers.minimum().apply([wide, narrow]), layers.average().apply([a, b, c])] }).toGraph();
}

describe('ONNX export of the merges', () => {
  it.each([
    ['as lowered', (g: Graph) => g],
    ['after the passes', optimize],
  ])('%s: onnxruntime equals the interpreter within 1e-5', async (_name, prepare) => {
    const graph = prepare(mergeModel());
    const session = await onnxSession(exportOnnx(graph));
    try {
      for (const batch of [1, 7]) {
        const { tensors, flat } = randomInputs(graph, batch);
        const feeds = Object.fromEntries(graph.inputs.map((n) => [n.name!, new ort.Tensor('float32', flat[n.name!]!, n.type.shape.map((d) => d ?? batch))]));
        const results = await session.run(feeds);
        const ours = interpret(graph, tensors);
        for (const o of graph.outputs) expect(maxAbsDiff(results[o.name]!.data as Float32Array, ours[o.name]!.data), `${o.name}, batch ${batch}`).toBeLessThanOrEqual(1e-5);
      }
    } finally {
      await session.release();
    }
  });
});
