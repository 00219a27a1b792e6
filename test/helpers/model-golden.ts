/**
 * The golden check every layer family shares: a model against tfjs (cpu) with the same weights,
 * through the reference interpreter, the wasm bundle (SIMD and scalar builds) and the WebGPU
 * bundle (which refuses a graph with int32 inputs by name), at batch 1, 7 and 64, every output. Tolerance: 1e-5 of the output's scale (its largest magnitude, at
 * least 1), for f32 sums in different orders.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LayersModel } from '../../src/frontend/model.js';
import type { Graph } from '../../src/ir/graph.js';
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
  /** The inputs of a batch (default: seeded random inputs, randomInputs). */
  inputs?(graph: Graph, batch: number): Inputs;
}

type Inputs = ReturnType<typeof randomInputs>;

/** |got − want| ≤ 1e-5 of want's scale (its largest magnitude, at least 1). */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, where: string): void {
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  expect(maxAbsDiff(got, want), where).toBeLessThanOrEqual(RELATIVE * scale);
}

/** One describe block per case (titled `title`, where `$name` is the case's name). */
export function describeTfjsGolden(title: string, cases: readonly GoldenCase[]): void {
  describe.each(cases)(title, ({ make, inputs }) => {
    beforeAll(() => tfjsReady());
    afterAll(removeTempDirs);
    const model = make();
    const graph = model.toGraph();
    const names = model.outputNames;
    const inputsOf = (batch: number): Inputs => (inputs ? inputs(graph, batch) : randomInputs(graph, batch, batch));
    const intInputs = graph.inputs.some((x) => x.type.dtype === 'i32');
    /** The wasm bundle's predict argument: int32 inputs (token ids) as Int32Array, as model.d.ts declares them. */
    const wasmArgument = (flat: Record<string, Float32Array>) =>
      predictArgument(Object.fromEntries(graph.inputs.map((x) => [x.name!, x.type.dtype === 'i32' ? (Int32Array.from(flat[x.name!]!) as unknown as Float32Array) : flat[x.name!]!])));
    /** Every output of `got` against tfjs' (keyed by output name). */
    const expectOutputs = (got: Record<string, ArrayLike<number>>, tfjs: Record<string, Float32Array>, where: string) => {
      for (const name of names) expectClose(got[name]!, tfjs[name]!, `${where}, output ${name}`);
    };

    it('the interpreter, and the wasm bundle (SIMD and scalar), equal tfjs', async () => {
      const { load } = await (await buildWasmBundle(graph)).import();
      const builds = [await load(), await load({ simd: false })];
      for (const batch of BATCHES) {
        const { tensors, flat } = inputsOf(batch);
        const tfjs = await tfjsPredict(model, flat, batch);
        const interpreted = interpret(graph, tensors);
        expectOutputs(Object.fromEntries(names.map((n) => [n, interpreted[n]!.data])), tfjs, `interpreter, batch ${batch}`);
        for (const build of builds) expectOutputs(outputsByName(build.predict(wasmArgument(flat), batch), build.outputNames), tfjs, `wasm ${build.simd ? 'simd' : 'scalar'}, batch ${batch}`);
      }
    });

    it(intInputs ? 'the WebGPU target refuses the int32 graph by name' : 'the WebGPU bundle equals tfjs', async () => {
      if (intInputs) return expect(buildWebGpuBundle(graph)).rejects.toThrow(/NNC4001.*webgpu supports f32 values only/s);
      const gpuModel = await (await (await buildWebGpuBundle(graph)).import()).load({ gpu: await dawnGpu() });
      try {
        for (const batch of BATCHES) {
          const { flat } = inputsOf(batch);
          const tfjs = await tfjsPredict(model, flat, batch);
          expectOutputs(byName(await gpuModel.predict(predictInput(graph, flat), batch), names), tfjs, `webgpu, batch ${batch}`);
        }
      } finally {
        await gpuModel.dispose();
      }
    });
  });
}
