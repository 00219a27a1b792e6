/**
 * The golden check every layer family shares: a model against tfjs (cpu) with the same weights,
 * through the reference interpreter, the wasm bundle (SIMD and scalar builds) and the WebGPU
 * bundle, at batch 1, 7 and 64. Tolerance: 1e-5 of the output's scale (its largest magnitude, at
 * least 1), for f32 sums in different orders.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LayersModel } from '../../src/frontend/model.js';
import { interpret } from '../../src/ir/interpreter.js';
import { maxAbsDiff, randomInputs } from './random-inputs.js';
import { tfjsPredict, tfjsReady } from './tfjs-twin.js';
import { buildWebGpuBundle, byName, dawnGpu, predictInput } from './webgpu.js';
import { buildWasmBundle, outputsByName, predictArgument } from '../wasm/bundle-helpers.js';
import { removeTempDirs } from '../wasm/temp.js';

const RELATIVE = 1e-5;
const BATCHES = [1, 7, 64];

export interface GoldenCase {
  readonly name: string;
  make(): LayersModel;
}

/** |got − want| ≤ 1e-5 of want's scale (its largest magnitude, at least 1). */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, where: string): void {
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  expect(maxAbsDiff(got, want), where).toBeLessThanOrEqual(RELATIVE * scale);
}

/** One describe block per case (titled `title`, where `$name` is the case's name). */
export function describeTfjsGolden(title: string, cases: readonly GoldenCase[]): void {
  describe.each(cases)(title, ({ make }) => {
    beforeAll(() => tfjsReady());
    afterAll(removeTempDirs);
    const model = make();
    const graph = model.toGraph();
    const name = model.outputNames[0]!;

    it('the interpreter, and the wasm bundle (SIMD and scalar), equal tfjs', async () => {
      const { load } = await (await buildWasmBundle(graph)).import();
      const builds = [await load(), await load({ simd: false })];
      for (const batch of BATCHES) {
        const { tensors, flat } = randomInputs(graph, batch, batch);
        const tfjs = (await tfjsPredict(model, flat, batch))[name]!;
        expectClose(interpret(graph, tensors)[name]!.data, tfjs, `interpreter, batch ${batch}`);
        for (const build of builds) expectClose(outputsByName(build.predict(predictArgument(flat), batch), build.outputNames)[name]!, tfjs, `wasm ${build.simd ? 'simd' : 'scalar'}, batch ${batch}`);
      }
    });

    it('the WebGPU bundle equals tfjs', async () => {
      const gpuModel = await (await (await buildWebGpuBundle(graph)).import()).load({ gpu: await dawnGpu() });
      try {
        for (const batch of BATCHES) {
          const { flat } = randomInputs(graph, batch, batch);
          const tfjs = (await tfjsPredict(model, flat, batch))[name]!;
          expectClose(byName(await gpuModel.predict(predictInput(graph, flat), batch), [name])[name]!, tfjs, `webgpu, batch ${batch}`);
        }
      } finally {
        await gpuModel.dispose();
      }
    });
  });
}
