/**
 * Golden tests of the WebGPU bundle in Node, through Dawn on SwiftShader: for every fixture
 * model the bundle's outputs equal the reference interpreter's and tfjs's within 1e-4 at batch
 * 1, 7 and 1,000, all three batches served by one loaded model (its buffers grow with the batch).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import type { LayersModel } from '../../src/frontend/model.js';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { tfjsPredict } from '../helpers/tfjs-twin.js';
import { buildWebGpuBundle, byName, dawnGpu, predictInput, type WebGpuModel } from '../helpers/webgpu.js';

/** Absolute; f32 sums of up to 784 products in a different order than the CPU's, and GPU exp. */
const TOLERANCE = 1e-4;
const BATCHES = [1, 7, 1000];

describe.each(FIXTURES)('webgpu bundle in Node: $name', (fixture) => {
  let layers: LayersModel;
  let graph: Graph;
  let model: WebGpuModel;

  beforeAll(async () => {
    layers = loadModelFile(fixture.path).model;
    graph = layers.toGraph();
    const bundle = await buildWebGpuBundle(graph);
    model = await (await bundle.import()).load({ gpu: await dawnGpu() });
  });
  afterAll(() => model?.dispose());

  it.each(BATCHES)('batch %i matches the interpreter and tfjs', async (batch) => {
    const { tensors, flat } = randomInputs(graph, batch, batch);
    const names = graph.outputs.map((o) => o.name);
    const got = byName(await model.predict(predictInput(graph, flat), batch), names);
    const reference = interpret(graph, tensors);
    const tfjs = await tfjsPredict(layers, flat, batch);
    for (const name of names) {
      expect(got[name]!.length).toBe(reference[name]!.data.length);
      expect(maxAbsDiff(got[name]!, reference[name]!.data)).toBeLessThanOrEqual(TOLERANCE);
      expect(maxAbsDiff(got[name]!, tfjs[name]!)).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});
