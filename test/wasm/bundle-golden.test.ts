import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { interpret } from '../../src/ir/interpreter.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { tfjsPredict, tfjsReady } from '../helpers/tfjs-twin.js';
import { removeTempDirs } from './temp.js';
import { buildWasmBundle, outputsByName, predictArgument } from './bundle-helpers.js';

// Golden tests: the bundle, imported as a user would, against the reference interpreter (run on
// the unoptimized graph) and tfjs, at batch 1, 7 and 1000; both the SIMD128 and scalar builds.
// Outputs are of order 1: 1e-5 absolute.
const TOLERANCE = 1e-5;

describe('wasm bundle golden outputs', () => {
  beforeAll(() => tfjsReady());
  afterAll(removeTempDirs);

  for (const fixture of FIXTURES) {
    it(`${fixture.name}: equals the interpreter and tfjs within 1e-5`, async () => {
      const { model } = loadModelFile(fixture.path, { typeCheck: false });
      const graph = model.toGraph();
      const bundle = await buildWasmBundle(graph);
      const { load } = await bundle.import();
      const builds = [await load(), await load({ simd: false })];
      expect(builds.map((b) => b.simd)).toEqual([true, false]);
      expect(builds[0]!.inputNames).toEqual(model.inputNames);
      expect(builds[0]!.outputNames).toEqual(model.outputNames);
      for (const batch of [1, 7, 1000]) {
        const { tensors, flat } = randomInputs(graph, batch, batch);
        const reference = interpret(graph, tensors);
        const tfjs = await tfjsPredict(model, flat, batch);
        for (const build of builds) {
          const ours = outputsByName(build.predict(predictArgument(flat), batch), build.outputNames);
          for (const name of model.outputNames) {
            const where = `${name}, batch ${batch}, ${build.simd ? 'simd' : 'scalar'}`;
            expect(maxAbsDiff(ours[name]!, reference[name]!.data), `${where} vs interpreter`).toBeLessThanOrEqual(TOLERANCE);
            expect(maxAbsDiff(ours[name]!, tfjs[name]!), `${where} vs tfjs`).toBeLessThanOrEqual(TOLERANCE);
          }
        }
      }
    });
  }
});
