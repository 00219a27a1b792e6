/**
 * BatchNormalization at inference against tfjs (cpu) with the same weights and moving statistics,
 * after dense and conv2d layers, with center / scale off, through the reference interpreter, the
 * wasm bundle (SIMD and scalar) and the WebGPU bundle, at batch 1, 7 and 64. The bundles run the
 * optimized graph, where the fold pass has merged each batch norm into the product before it.
 * Tolerance: 1e-5 of the output's scale (its largest magnitude, at least 1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interpret } from '../../src/ir/interpreter.js';
import { optimize } from '../../src/passes/index.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { tfjsPredict, tfjsReady } from '../helpers/tfjs-twin.js';
import { buildWebGpuBundle, byName, dawnGpu, predictInput } from '../helpers/webgpu.js';
import { buildWasmBundle, outputsByName, predictArgument } from '../wasm/bundle-helpers.js';
import { removeTempDirs } from '../wasm/temp.js';
import { BN_CASES } from './batch-norm-models.js';

const RELATIVE = 1e-5;
const BATCHES = [1, 7, 64];

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, where: string): void {
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  expect(maxAbsDiff(got, want), where).toBeLessThanOrEqual(RELATIVE * scale);
}

describe.each(BN_CASES)('batch normalization: $name', ({ make, folds }) => {
  beforeAll(() => tfjsReady());
  afterAll(removeTempDirs);
  const model = make();
  const graph = model.toGraph();
  const name = model.outputNames[0]!;

  it(`the optimized graph ${folds ? 'has the batch norm folded away' : 'keeps the batch norm (an elementwise kernel)'}`, () => {
    expect(optimize(graph).nodes.some((n) => n.op === 'batch_norm' || (n.op === 'elementwise' && n.inputs.length >= 3))).toBe(!folds);
  });

  it('the interpreter, the wasm bundle (SIMD and scalar) and the WebGPU bundle equal tfjs', async () => {
    const { load } = await (await buildWasmBundle(graph)).import();
    const builds = [await load(), await load({ simd: false })];
    const gpu = await (await (await buildWebGpuBundle(graph)).import()).load({ gpu: await dawnGpu() });
    try {
      for (const batch of BATCHES) {
        const { tensors, flat } = randomInputs(graph, batch, batch);
        const tfjs = (await tfjsPredict(model, flat, batch))[name]!;
        expectClose(interpret(graph, tensors)[name]!.data, tfjs, `interpreter, batch ${batch}`);
        for (const build of builds)
          expectClose(outputsByName(build.predict(predictArgument(flat), batch), build.outputNames)[name]!, tfjs, `wasm ${build.simd ? 'simd' : 'scalar'}, batch ${batch}`);
        expectClose(byName(await gpu.predict(predictInput(graph, flat), batch), [name])[name]!, tfjs, `webgpu, batch ${batch}`);
      }
    } finally {
      await gpu.dispose();
    }
  });
});
