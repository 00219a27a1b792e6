import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { interpret } from '../../src/ir/interpreter.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { tfjsPredict } from '../helpers/tfjs-twin.js';

// The reference interpreter must agree with tfjs (cpu backend) on every fixture: same layers,
// same weights, same inputs, at batch 1, 7 and 64. Both compute in float32; 1e-5 absolute on
// outputs of order 1.
describe('reference interpreter vs tfjs', () => {
  for (const fixture of FIXTURES) {
    it(`${fixture.name}: outputs equal tfjs within 1e-5`, async () => {
      const { model } = loadModelFile(fixture.path, { typeCheck: false });
      const graph = model.toGraph();
      for (const batch of [1, 7, 64]) {
        const { tensors, flat } = randomInputs(graph, batch);
        const ours = interpret(graph, tensors);
        const theirs = await tfjsPredict(model, flat, batch);
        for (const name of model.outputNames) {
          expect(ours[name]!.data.length).toBe(theirs[name]!.length);
          expect(maxAbsDiff(ours[name]!.data, theirs[name]!), `${name}, batch ${batch}`).toBeLessThanOrEqual(1e-5);
        }
      }
    });
  }
});
