/**
 * The golden check of a hand-written tfjs graph model: imported, verified, and run by the
 * interpreter, the wasm bundle (relaxed SIMD, SIMD128 and scalar) and (float graphs) the WebGPU
 * bundle at batch 1, 7 and 64 against tfjs-converter running the same files, within 1e-5 of
 * each output's scale (its largest magnitude, at least 1).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NncError } from '../../src/errors.js';
import { loadTfjsGraphModel } from '../../src/frontend/import/tfjs-graph.js';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { buildWasmBundle, loadEveryBuild, outputsByName, predictArgument } from '../wasm/bundle-helpers.js';
import { removeTempDirs } from '../wasm/temp.js';
import { maxAbsDiff, randomInputs } from './random-inputs.js';
import { tfConverterOutputs, writeGraphModel, type Weight } from './tfjs-graph-model.js';
import { tfjsReady } from './tfjs-twin.js';
import { buildWebGpuBundle, byName, dawnGpu, predictInput } from './webgpu.js';

export const RELATIVE = 1e-5;
export const BATCHES = [1, 7, 64];

export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, where: string): void {
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  expect(got.length, where).toBe(want.length);
  expect(maxAbsDiff(got, want), where).toBeLessThanOrEqual(RELATIVE * scale);
}

export interface Case {
  name: string;
  nodes: unknown[];
  weights: Weight[];
  /** Per-image input shape (one float input, `x`). */
  input: number[];
  outputs: string[];
  /** false for graphs with bool or int32 values, which WebGPU does not compute (it computes f32 only). */
  webgpu?: boolean;
}

/** Checks one hand-written model in every backend against tfjs-converter. */
export function goldenCase({ name, nodes, weights, input, outputs, webgpu = true }: Case) {
  describe(name, () => {
    beforeAll(() => tfjsReady());
    afterAll(removeTempDirs);
    const model = writeGraphModel(nodes, weights);
    const graph: Graph = loadTfjsGraphModel(model.path);
    const oracle = async (flat: Float32Array, batch: number) => tfConverterOutputs(model, { x: tf.tensor(flat, [batch, ...input]) }, outputs);

    it('imports to a verified graph with the expected outputs', () => {
      verifyGraph(graph, { requireWeightData: true });
      expect(graph.outputs.map((o) => o.name)).toEqual(outputs);
    });

    it('the interpreter and the wasm bundle (relaxed SIMD, SIMD and scalar) equal tfjs-converter', async () => {
      const builds = await loadEveryBuild(await (await buildWasmBundle(graph)).import());
      for (const batch of BATCHES) {
        const { tensors, flat } = randomInputs(graph, batch, batch + 3);
        const want = await oracle(flat.x!, batch);
        const got = interpret(graph, tensors);
        for (const o of outputs) expectClose(got[o]!.data, want[o]!, `interpreter ${o}, batch ${batch}`);
        for (const { name, model: build } of builds) {
          const out = outputsByName(build.predict(predictArgument(flat), batch), build.outputNames);
          for (const o of outputs) expectClose(out[o]!, want[o]!, `${name} ${o}, batch ${batch}`);
        }
      }
    });

    if (!webgpu) return;
    it('the WebGPU bundle equals tfjs-converter', async () => {
      const gpuModel = await (await (await buildWebGpuBundle(graph)).import()).load({ gpu: await dawnGpu() });
      try {
        for (const batch of BATCHES) {
          const { flat } = randomInputs(graph, batch, batch + 3);
          const want = await oracle(flat.x!, batch);
          const out = byName(await gpuModel.predict(predictInput(graph, flat), batch), gpuModel.outputNames);
          for (const o of outputs) expectClose(out[o]!, want[o]!, `webgpu ${o}, batch ${batch}`);
        }
      } finally {
        await gpuModel.dispose();
      }
    });
  });
}

/** The NNC6001 a hand-written model's import throws; its message lists every problem. */
export function importProblems(nodes: unknown[], weights: Weight[]): string {
  try {
    loadTfjsGraphModel(writeGraphModel(nodes, weights).path);
  } catch (e) {
    expect(e).toBeInstanceOf(NncError);
    expect((e as NncError).code).toBe('NNC6001');
    return (e as NncError).message;
  }
  throw new Error('expected the import to be refused');
}
