/**
 * The bundle's host runtime: buffers that grow with the batch and are reused, queued predicts,
 * inline weights, and the errors a user meets — no WebGPU, no adapter, a lost device, a shader
 * that fails to compile, bad inputs, and ops without a WebGPU kernel (reported at build time).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/codegen/wgsl/program.js';
import { NncError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { tensorType } from '../../src/ir/types.js';
import { planMemory } from '../../src/passes/index.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { buildWebGpuBundle, dawnGpu, type BuiltBundle, type WebGpuBundleModule } from '../helpers/webgpu.js';

/** x[?,20] -> dense relu [20,12] -> dense softmax [12,4]: two matmul kernels and a softmax. */
function mlp(): Graph {
  const b = new GraphBuilder();
  const x = b.input('x', tensorType([null, 20]));
  const w = (name: string, n: number, seed: number) => b.weight(name, tensorType([n]), Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.7 + seed)));
  const w1 = b.weight('w1', tensorType([20, 12]), Float32Array.from({ length: 240 }, (_, i) => Math.sin(i * 1.3)));
  const h = b.op('dense', [x, w1, w('b1', 12, 1)], { activation: 'relu' });
  const w2 = b.weight('w2', tensorType([12, 4]), Float32Array.from({ length: 48 }, (_, i) => Math.sin(i * 0.9)));
  b.output('probs', b.op('dense', [h, w2, w('b2', 4, 2)], { activation: 'softmax' }));
  return b.build();
}

function expectedProbs(graph: Graph, flat: Float32Array, batch: number): Float32Array {
  return interpret(graph, { x: { shape: [batch, 20], data: flat } }).probs!.data as Float32Array;
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string; message: string }) => e.code ?? e.message);

describe('webgpu runtime', () => {
  const graph = mlp();
  let bundle: BuiltBundle;
  let mod: WebGpuBundleModule;

  beforeAll(async () => {
    bundle = await buildWebGpuBundle(graph);
    mod = await bundle.import();
  });

  it('grows its buffers with the batch, reuses them for smaller ones, and infers the batch', async () => {
    const model = await mod.load({ gpu: await dawnGpu() });
    for (const batch of [2, 50, 3, 50, 1]) {
      const { flat } = randomInputs(graph, batch, batch);
      const probs = (await model.predict(flat.x!, batch % 3 ? batch : undefined)) as Float32Array;
      expect(maxAbsDiff(probs, expectedProbs(graph, flat.x!, batch))).toBeLessThanOrEqual(1e-6);
    }
    await model.dispose();
    await expect(codeOf(model.predict(new Float32Array(20)))).resolves.toBe('DISPOSED');
  });

  it('serves concurrent predicts one after another, each with its own result', async () => {
    const model = await mod.load({ gpu: await dawnGpu() });
    const runs = [5, 9, 1, 9].map((batch) => ({ batch, x: randomInputs(graph, batch, batch + 40).flat.x! }));
    const results = await Promise.all(runs.map((r) => model.predict(r.x, r.batch) as Promise<Float32Array>));
    runs.forEach((r, i) => expect(maxAbsDiff(results[i]!, expectedProbs(graph, r.x, r.batch))).toBeLessThanOrEqual(1e-6));
    await model.dispose();
  });

  it('runs with inline weights and with the weights passed to load()', async () => {
    const inline = await buildWebGpuBundle(graph, { weights: 'embedded' });
    expect(readFileSync(join(inline.dir, 'model.webgpu.js'), 'utf8')).toMatch(/WEIGHTS_BASE64 = "/);
    const bytes = readFileSync(join(bundle.dir, 'model.webgpu.bin'));
    const { flat } = randomInputs(graph, 4, 4);
    for (const model of [await (await inline.import()).load({ gpu: await dawnGpu() }), await mod.load({ gpu: await dawnGpu(), weights: bytes })]) {
      expect(maxAbsDiff((await model.predict(flat.x!, 4)) as Float32Array, expectedProbs(graph, flat.x!, 4))).toBeLessThanOrEqual(1e-6);
      await model.dispose();
    }
  });

  it('runs batches larger than one storage binding holds in chunks, and says when one row is too large', async () => {
    const device = await (await (await dawnGpu()).requestAdapter())!.requestDevice();
    const rowBytes = (JSON.parse(readFileSync(join(bundle.dir, 'manifest.json'), 'utf8')) as { webgpu: { arenaBytesPerRow: number } }).webgpu.arenaBytesPerRow;
    // The same device, reporting a binding limit of three rows.
    const limited = (maxStorageBufferBindingSize: number) =>
      new Proxy(device, {
        get(target, key) {
          if (key === 'limits') return { maxStorageBufferBindingSize, maxBufferSize: target.limits.maxBufferSize };
          const value = Reflect.get(target, key, target) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const model = await mod.load({ device: limited(3 * rowBytes + 4) });
    const { flat } = randomInputs(graph, 10, 5);
    expect(maxAbsDiff((await model.predict(flat.x!, 10)) as Float32Array, expectedProbs(graph, flat.x!, 10))).toBeLessThanOrEqual(1e-6);
    await model.dispose();
    const tiny = await mod.load({ device: limited(rowBytes - 4) });
    await expect(codeOf(tiny.predict(flat.x!, 10))).resolves.toBe('ROW_TOO_LARGE');
    await tiny.dispose();
    device.destroy();
  });

  it('says which weights are missing or of the wrong size', async () => {
    const gpu = await dawnGpu();
    const short = (await mod.load({ gpu, weights: new Uint8Array(8) }).catch((e: Error) => e)) as Error & { code: string };
    expect([short.code, short.message]).toEqual(['NO_WEIGHTS', `the weights hold 8 bytes, this model needs ${(240 + 12 + 48 + 4) * 4}`]);
    const moved = await buildWebGpuBundle(graph);
    rmSync(join(moved.dir, 'model.webgpu.bin'));
    const missing = (await (await moved.import()).load({ gpu }).catch((e: Error) => e)) as Error & { code: string };
    expect(missing.code).toBe('NO_WEIGHTS');
    expect(missing.message).toMatch(/could not read the weights file file:.*model\.webgpu\.bin.*pass load\(\{ weights \}\)/);
  });

  it("with verify, refuses weights that are not the build's by their SHA-256; bad options are TypeErrors", async () => {
    const gpu = await dawnGpu();
    const bytes = new Uint8Array(readFileSync(join(bundle.dir, 'model.webgpu.bin')));
    const good = await mod.load({ gpu, weights: bytes, verify: true });
    await good.dispose();
    bytes[5] = bytes[5]! ^ 0xff;
    const changed = (await mod.load({ gpu, weights: bytes, verify: true }).catch((e: Error) => e)) as Error & { code: string };
    expect(changed.code).toBe('NO_WEIGHTS');
    expect(changed.message).toMatch(/^the weights' SHA-256 [0-9a-f]{64} is not the build's [0-9a-f]{64} \(manifest\.json\)/);
    await expect(mod.load(null as never)).rejects.toThrow(new TypeError('load() takes an options object, got null'));
    await expect(mod.load({ powerPreference: 'fast' } as never)).rejects.toThrow(new TypeError(`load(): option "powerPreference" must be 'low-power' or 'high-performance', got String`));
    await expect(mod.load({ weight: bytes } as never)).rejects.toThrow(/^load\(\): unknown option "weight" \(known: device, gpu, powerPreference, weights, verify\)$/);
  });

  it('uses the device the app passes and leaves it alive on dispose', async () => {
    const device = await (await (await dawnGpu()).requestAdapter())!.requestDevice();
    const model = await mod.load({ device });
    expect(model.device).toBe(device);
    await model.dispose();
    // The device still serves a second model after the first is disposed.
    const again = await mod.load({ device });
    const { flat } = randomInputs(graph, 2, 11);
    expect(maxAbsDiff((await again.predict(flat.x!, 2)) as Float32Array, expectedProbs(graph, flat.x!, 2))).toBeLessThanOrEqual(1e-6);
    await again.dispose();
    device.destroy();
  });

  it('without WebGPU, says so and points to the wasm bundle', async () => {
    const error = await mod.load().catch((e: Error & { code: string }) => e);
    expect(error).toBeInstanceOf(mod.NncWebGpuError);
    expect((error as { code: string }).code).toBe('NO_WEBGPU');
    expect((error as Error).message).toMatch(/navigator\.gpu is undefined.*--target wasm/s);
  });

  it('without an adapter, says so and points to the wasm bundle', async () => {
    const gpu = { requestAdapter: async () => null } as unknown as GPU;
    const error = (await mod.load({ gpu }).catch((e: Error) => e)) as Error & { code: string };
    expect(error.code).toBe('NO_ADAPTER');
    expect(error.message).toMatch(/no GPU adapter was found.*--target wasm/s);
  });

  it('reports a lost device on the next predict', async () => {
    const device = await (await (await dawnGpu()).requestAdapter())!.requestDevice();
    const model = await mod.load({ device });
    device.destroy();
    await device.lost;
    const error = (await model.predict(new Float32Array(20), 1).catch((e: Error) => e)) as Error & { code: string };
    expect(error.code).toBe('DEVICE_LOST');
    expect(error.message).toMatch(/GPU device was lost \(destroyed\)/);
  });

  it('names the kernel whose shader fails to compile', async () => {
    const broken = readFileSync(join(bundle.dir, 'model.webgpu.js'), 'utf8').replace('return;', 'return no_such_value;');
    const path = join(bundle.dir, 'broken.webgpu.js');
    writeFileSync(path, broken);
    const brokenModule = (await import(/* @vite-ignore */ pathToFileURL(path).href)) as WebGpuBundleModule;
    const error = (await brokenModule.load({ gpu: await dawnGpu() }).catch((e: Error) => e)) as Error & { code: string };
    expect(error.code).toBe('SHADER_COMPILE');
    expect(error.message).toMatch(/WGSL shader for dense %\d+.* failed to compile: .*no_such_value/s);
  });

  it('rejects bad inputs at once, as the wasm bundle does, and keeps working', async () => {
    const model = await mod.load({ gpu: await dawnGpu() });
    const reason = (p: Promise<unknown>) => p.then(() => 'resolved', (e: Error) => `${e.constructor.name}: ${e.message}`);
    await expect(reason(model.predict(new Float32Array(30), 2))).resolves.toBe('RangeError: input "x" must hold 2 × 20 = 40 values, got 30');
    await expect(reason(model.predict(new Float32Array(30)))).resolves.toBe('RangeError: input "x" holds 30 values, not a whole number of rows of 20');
    await expect(reason(model.predict(new Float32Array(0), 0))).resolves.toMatch(/^RangeError: batch must be a positive integer/);
    await expect(reason(model.predict([1, 2] as never))).resolves.toBe('TypeError: input "x" must be a Float32Array, got Array');
    await expect(reason(model.predict(new Float32Array(40), 2))).resolves.toBe('resolved');
    expect([model.inputNames, model.outputNames]).toEqual([['x'], ['probs']]);
    await model.dispose();
  });

  it('copies the inputs of a call that has to wait for another', async () => {
    const model = await mod.load({ gpu: await dawnGpu() });
    const first = randomInputs(graph, 3, 1).flat.x!;
    const x = randomInputs(graph, 3, 2).flat.x!;
    const want = expectedProbs(graph, x, 3);
    const [, second] = [model.predict(first, 3), model.predict(x, 3)];
    x.fill(0);
    expect(maxAbsDiff((await second) as Float32Array, want)).toBeLessThanOrEqual(1e-6);
    await model.dispose();
  });

  it('reports every op without a WebGPU kernel at once, before emitting anything', () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 6]));
    b.output('m', b.op('matmul_tn', [x, x]));
    b.output('s', b.op('matmul_nt', [x, b.input('w', tensorType([4, 6]))]));
    const g = b.build();
    const error = (() => {
      try {
        buildProgram(g, planMemory(g));
      } catch (e) {
        return e;
      }
    })() as NncError;
    expect(error).toBeInstanceOf(NncError);
    expect(error.code).toBe('NNC4001');
    expect(error.message).toMatch(/'matmul_tn'[\s\S]*'matmul_nt'/);
  });
});
