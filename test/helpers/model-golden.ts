/**
 * The golden check every layer family shares: a model against tfjs (cpu) with the same weights,
 * through the reference interpreter, the wasm bundle (SIMD and scalar builds) and the WebGPU
 * bundle (which refuses a graph with int32 inputs by name), at batch 1, 7 and 64, every output. Tolerance: 1e-5 of the output's scale (its largest magnitude, at
 * least 1), for f32 sums in different orders. A model whose sequences have any length (null
 * steps) runs as one step of a time loop (runTimeLoop in the interpreter, predict(x, steps) in
 * the bundles) at each of the case's `steps`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LayersModel } from '../../src/frontend/model.js';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { loopOnlyInputs, runTimeLoop } from '../../src/ir/time-loop.js';
import { maxAbsDiff, randomInputs } from './random-inputs.js';
import { tfjsPredict, tfjsReady } from './tfjs-twin.js';
import { buildWebGpuBundle, byName, dawnGpu } from './webgpu.js';
import { buildWasmBundle, loadEveryBuild, outputsByName, predictArgument } from '../wasm/bundle-helpers.js';
import { removeTempDirs } from '../wasm/temp.js';

const RELATIVE = 1e-5;
const BATCHES = [1, 7, 64];

export interface GoldenCase {
  readonly name: string;
  make(): LayersModel;
  /** The inputs of a batch (default: seeded random inputs, randomInputs); `graph` has the steps' number of steps. */
  inputs?(graph: Graph, batch: number): Inputs;
  /** For a sequence of any length: the numbers of steps to run it with (default 3 and 9). */
  readonly steps?: readonly number[];
}

type Inputs = ReturnType<typeof randomInputs>;

/** predict as a bundle declares it: (inputs, batch), or (inputs, steps, batch) for a time loop. */
type LoopPredict<R = Float32Array | Record<string, Float32Array>> = (inputs: Float32Array | Record<string, Float32Array>, ...sizes: number[]) => R;

/** |got − want| ≤ 1e-5 of want's scale (its largest magnitude, at least 1). */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, where: string): void {
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  expect(maxAbsDiff(got, want), where).toBeLessThanOrEqual(RELATIVE * scale);
}

/** One describe block per case (titled `title`, where `$name` is the case's name). */
export function describeTfjsGolden(title: string, cases: readonly GoldenCase[]): void {
  describe.each(cases)(title, ({ make, inputs, steps }) => {
    beforeAll(() => tfjsReady());
    afterAll(removeTempDirs);
    const model = make();
    const graph = model.toGraph();
    const names = model.outputNames;
    // Each run: a batch size, and for a time loop a number of steps.
    const lengths: readonly (number | undefined)[] = graph.loop ? (steps ?? [3, 9]) : [undefined];
    const runs = BATCHES.flatMap((batch) => lengths.map((length) => ({ batch, length, where: `batch ${batch}${length === undefined ? '' : `, ${length} steps`}` })));
    const inputsOf = (batch: number, length?: number): Inputs => {
      const shaped = length === undefined ? graph : model.toGraph({ steps: length });
      return inputs ? inputs(shaped, batch) : randomInputs(shaped, batch, batch + 100 * (length ?? 0));
    };
    const interpreted = (tensors: Inputs['tensors']) => (graph.loop ? runTimeLoop(graph, graph.loop, tensors) : interpret(graph, tensors));
    const sizes = (batch: number, length?: number): [number] | [number, number] => (length === undefined ? [batch] : [length, batch]);
    // The caller's inputs (one step of a time loop also reads the states it carries).
    const userInputs = graph.inputs.filter((x) => !graph.loop || !loopOnlyInputs(graph.loop).has(x.name!));
    const intInputs = userInputs.some((x) => x.type.dtype === 'i32');
    /** The wasm bundle's predict argument: int32 inputs (token ids) as Int32Array, as model.d.ts declares them. */
    const wasmArgument = (flat: Record<string, Float32Array>) =>
      predictArgument(Object.fromEntries(userInputs.map((x) => [x.name!, x.type.dtype === 'i32' ? (Int32Array.from(flat[x.name!]!) as unknown as Float32Array) : flat[x.name!]!])));
    /** Every output of `got` against tfjs' (keyed by output name). */
    const expectOutputs = (got: Record<string, ArrayLike<number>>, tfjs: Record<string, Float32Array>, where: string) => {
      for (const name of names) expectClose(got[name]!, tfjs[name]!, `${where}, output ${name}`);
    };

    it('the interpreter, and the wasm bundle (relaxed SIMD, SIMD and scalar), equal tfjs', async () => {
      const builds = await loadEveryBuild(await (await buildWasmBundle(graph)).import());
      for (const { batch, length, where } of runs) {
        const { tensors, flat } = inputsOf(batch, length);
        const tfjs = await tfjsPredict(model, flat, batch, length);
        const values = interpreted(tensors);
        expectOutputs(Object.fromEntries(names.map((n) => [n, values[n]!.data])), tfjs, `interpreter, ${where}`);
        for (const { name, model: build } of builds)
          expectOutputs(outputsByName((build.predict as LoopPredict)(wasmArgument(flat), ...sizes(batch, length)), build.outputNames), tfjs, `${name}, ${where}`);
      }
    });

    it(intInputs ? 'the WebGPU target refuses the int32 graph by name' : 'the WebGPU bundle equals tfjs', async () => {
      if (intInputs) return expect(buildWebGpuBundle(graph)).rejects.toThrow(/NNC4001.*webgpu supports f32 values only/s);
      const gpuModel = await (await (await buildWebGpuBundle(graph)).import()).load({ gpu: await dawnGpu() });
      try {
        for (const { batch, length, where } of runs) {
          const { flat } = inputsOf(batch, length);
          const tfjs = await tfjsPredict(model, flat, batch, length);
          expectOutputs(byName(await (gpuModel.predict as LoopPredict<Promise<Float32Array | Record<string, Float32Array>>>)(userInputs.length === 1 ? flat[userInputs[0]!.name!]! : flat, ...sizes(batch, length)), names), tfjs, `webgpu, ${where}`);
        }
      } finally {
        await gpuModel.dispose();
      }
    });
  });
}
