import { expect } from 'vitest';
import type { LayersModel } from '../../src/frontend/model.js';
import { interpret } from '../../src/ir/interpreter.js';
import { buildWasmBundle, loadEveryBuild, outputsByName, predictArgument } from '../wasm/bundle-helpers.js';
import { maxAbsDiff, randomInputs } from './random-inputs.js';
import { tfjsPredict } from './tfjs-twin.js';
import { buildWebGpuBundle, byName, dawnGpu, predictInput } from './webgpu.js';

/** What tfjs computes for the model on flat inputs by name: its outputs by name. */
export type TfjsOracle = (m: LayersModel, flat: Record<string, Float32Array>, batch: number) => Promise<Record<string, ArrayLike<number>>>;

/**
 * Runs `m` through the reference interpreter, the wasm bundle (its three builds) and the
 * WebGPU bundle on seeded inputs in [-1, 1) at each batch size, and expects every output within
 * `tolerance` × max(1, the largest |tfjs output|) of tfjs (cpu backend, same weights): its
 * layers' twin, or `oracle` where tfjs-layers lacks a form its ops compute.
 * Returns the largest difference seen, for a test that wants to state it.
 */
export async function expectBackendsMatchTfjs(m: LayersModel, batches: readonly number[], tolerance: number, oracle: TfjsOracle = tfjsPredict): Promise<number> {
  const graph = m.toGraph();
  const builds = await loadEveryBuild(await (await buildWasmBundle(graph)).import());
  const gpu = await (await (await buildWebGpuBundle(graph)).import()).load({ gpu: await dawnGpu() });
  let worst = 0;
  try {
    for (const batch of batches) {
      const { tensors, flat } = randomInputs(graph, batch, batch);
      const tfjs = await oracle(m, flat, batch);
      const results: Record<string, Record<string, ArrayLike<number>>> = {
        interpreter: Object.fromEntries(Object.entries(interpret(graph, tensors)).map(([k, t]) => [k, t.data])),
        ...Object.fromEntries(builds.map(({ name, model }) => [name, outputsByName(model.predict(predictArgument(flat), batch), m.outputNames)])),
        webgpu: byName(await gpu.predict(predictInput(graph, flat), batch), m.outputNames),
      };
      for (const [backend, outs] of Object.entries(results))
        for (const name of m.outputNames) {
          const want = tfjs[name]!;
          const scale = Math.max(1, ...Array.from(want, Math.abs));
          const diff = maxAbsDiff(outs[name]!, want);
          worst = Math.max(worst, diff / scale);
          expect(diff, `${backend}, output ${name}, batch ${batch}`).toBeLessThanOrEqual(tolerance * scale);
        }
    }
  } finally {
    gpu.dispose();
  }
  return worst;
}
