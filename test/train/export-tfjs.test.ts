/**
 * tfjs Layers export: model.json + weights.bin for every fixture model load with
 * tf.loadLayersModel, and the loaded model predicts what nnc's reference interpreter computes
 * (|Δ| ≤ 1e-5).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import { toTfjsArtifacts } from '../../src/frontend/export-tfjs.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { interpret } from '../../src/ir/interpreter.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { loadArtifacts } from './helpers/load-artifacts.js';

describe('tfjs Layers export', () => {
  beforeAll(() => tfjsReady());

  // tfjs-layers has no Subtract layer: the shared-layer fixture uses one.
  const exportable = FIXTURES.filter((f) => f.name !== 'shared-layer');

  it('names the layer tfjs cannot represent', () => {
    const { model } = loadModelFile(FIXTURES.find((f) => f.name === 'shared-layer')!.path, { typeCheck: false });
    expect(() => toTfjsArtifacts(model)).toThrow(/NNC4001.*tfjs-layers has no Subtract layer/);
  });

  for (const fixture of exportable) {
    it(`${fixture.name} loads in tfjs and predicts as nnc`, async () => {
      const { model } = loadModelFile(fixture.path, { typeCheck: false });
      const { modelJson, weightsBin } = toTfjsArtifacts(model);
      const loaded = await loadArtifacts(JSON.parse(JSON.stringify(modelJson)) as Record<string, unknown>, weightsBin);
      const graph = model.toGraph();
      const { tensors, flat } = randomInputs(graph, 4);
      const want = interpret(graph, tensors);
      const xs = model.inputs.map((t) => tf.tensor(flat[t.layer.name]!, [4, ...(t.shape.slice(1) as number[])]));
      const ys = loaded.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor | tf.Tensor[];
      const list = Array.isArray(ys) ? ys : [ys];
      expect(list).toHaveLength(graph.outputs.length);
      graph.outputs.forEach((o, i) => expect(maxAbsDiff(list[i]!.dataSync(), want[o.name]!.data), o.name).toBeLessThanOrEqual(1e-5));
      loaded.dispose();
    });
  }
});
