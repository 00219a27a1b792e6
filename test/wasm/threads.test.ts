import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import { parseBuildOptions } from '../../src/cli/commands/build.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { openPage } from '../helpers/browser.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { buildWasmBundle, outputsByName, predictArgument, type BuiltWasmBundle, type WasmModel } from './bundle-helpers.js';
import { relaxedSimdAvailable } from '../../src/train/relaxed-simd.js';
import { removeTempDirs, tempDir } from './temp.js';

type Inputs = Parameters<WasmModel['predict']>[0];
type Outputs = ReturnType<WasmModel['predict']>;

/** The public surface of a `--threads N` bundle (what its model.d.ts declares). */
interface ThreadedModel {
  predict(inputs: Inputs, batch?: number): Promise<Outputs>;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly simd: boolean;
  readonly threads: number;
  dispose(): void;
}
type LoadThreaded = (options?: { simd?: boolean; relaxed?: boolean; minRowsPerWorker?: number }) => Promise<ThreadedModel>;

const TOLERANCE = 1e-5;

// The page side of the Chromium test: minRowsPerWorker 1 makes every batch go to the workers.
const PAGE_SCRIPT = `
window.nncThreaded = async ({ inputs, batch }) => {
  const { load } = await import('./bundle/model.js');
  const model = await load({ minRowsPerWorker: 1 });
  const arrays = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, new Float32Array(v)]));
  const names = Object.keys(arrays);
  const result = await model.predict(names.length === 1 ? arrays[names[0]] : arrays, batch);
  model.dispose();
  const byName = result instanceof Float32Array ? { [model.outputNames[0]]: result } : result;
  const outputs = Object.fromEntries(Object.entries(byName).map(([k, v]) => [k, Array.from(v)]));
  return { isolated: crossOriginIsolated, threads: model.threads, relaxed: model.relaxed, outputs };
};
`;
interface BrowserResult {
  isolated: boolean;
  relaxed: boolean;
  threads: number;
  outputs: Record<string, number[]>;
}
interface BrowserPage {
  nncThreaded(args: { inputs: Record<string, number[]>; batch: number }): Promise<BrowserResult>;
}
const fixtureGraph = (name: string): Graph => loadModelFile(FIXTURES.find((f) => f.name === name)!.path, { typeCheck: false }).model.toGraph();
const loadThreaded = async (bundle: BuiltWasmBundle): Promise<LoadThreaded> => ((await bundle.import()) as unknown as { load: LoadThreaded }).load;
const filesOf = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));

describe('wasm bundle with --threads', () => {
  const loaded: ThreadedModel[] = [];
  const track = (m: ThreadedModel) => (loaded.push(m), m);
  afterAll(() => {
    loaded.forEach((m) => m.dispose());
    removeTempDirs();
  });

  for (const fixture of FIXTURES) {
    it(`${fixture.name}: equals the single-threaded bundle and the interpreter within 1e-5`, async () => {
      const graph = fixtureGraph(fixture.name);
      const single = await (await (await buildWasmBundle(graph)).import()).load();
      const load = await loadThreaded(await buildWasmBundle(graph, { threads: 2 }));
      // minRowsPerWorker 1 sends even a batch of 7 (split 3 + 4) to the workers.
      const builds = [track(await load()), track(await load({ minRowsPerWorker: 1 }))];
      expect(builds[0]!.threads).toBe(2);
      expect(builds[0]!.inputNames).toEqual(single.inputNames);
      expect(builds[0]!.outputNames).toEqual(single.outputNames);
      for (const batch of [1, 7, 1000, 1001]) {
        const { tensors, flat } = randomInputs(graph, batch, batch);
        const reference = interpret(graph, tensors);
        const expected = outputsByName(single.predict(predictArgument(flat), batch), single.outputNames);
        for (const [k, build] of builds.entries()) {
          const ours = outputsByName(await build.predict(predictArgument(flat), batch), build.outputNames);
          expect(Object.keys(ours)).toEqual(single.outputNames);
          for (const name of single.outputNames) {
            const where = `${name}, batch ${batch}, build ${k}`;
            expect(ours[name]!.length, where).toBe(expected[name]!.length);
            expect(maxAbsDiff(ours[name]!, expected[name]!), `${where} vs single-threaded`).toBeLessThanOrEqual(TOLERANCE);
            expect(maxAbsDiff(ours[name]!, reference[name]!.data), `${where} vs interpreter`).toBeLessThanOrEqual(TOLERANCE);
          }
        }
      }
    });
  }

  describe('seed model, 3 threads', () => {
    let graph: Graph;
    let bundle: BuiltWasmBundle;
    let single: WasmModel;
    let model: ThreadedModel;
    let plain: BuiltWasmBundle;
    beforeAll(async () => {
      graph = fixtureGraph('seed-sequential');
      plain = await buildWasmBundle(graph);
      single = await (await plain.import()).load();
      bundle = await buildWasmBundle(graph, { threads: 3 });
      model = track(await (await loadThreaded(bundle))());
    });

    it('builds model.js, model.core.js (the default loader, byte for byte) and model.worker.js', () => {
      expect(readdirSync(bundle.dir).sort()).toEqual(['manifest.json', 'model.core.js', 'model.d.ts', 'model.js', 'model.relaxed.wasm', 'model.scalar.wasm', 'model.wasm', 'model.worker.js']);
      expect(readFileSync(join(bundle.dir, 'model.core.js'), 'utf8')).toBe(readFileSync(join(plain.dir, 'model.js'), 'utf8'));
      const js = readFileSync(join(bundle.dir, 'model.js'), 'utf8');
      expect(js.match(/^import .*$/gm)).toEqual(["import { load as loadHere } from './model.core.js';"]);
      expect(js).toContain("new Worker(new URL('./model.worker.js', import.meta.url), { type: 'module' })");
      expect(js).toContain('const THREADS = 3;');
      const manifest = JSON.parse(readFileSync(join(bundle.dir, 'manifest.json'), 'utf8'));
      expect([manifest.wasm.threads, manifest.wasm.rowLocal]).toEqual([3, true]);
      expect(manifest.wasm.note).toContain('3 workers split large batches by rows');
      const dts = readFileSync(join(bundle.dir, 'model.d.ts'), 'utf8');
      expect(dts).toContain('predict(flatten_input: Float32Array, batch?: number): Promise<Float32Array>;');
      expect(dts).toContain('readonly dispose: () => void;');
      expect(dts).toContain('minRowsPerWorker?: number;');
    });

    it('writes the same bytes when built twice', async () => {
      expect(filesOf((await buildWasmBundle(graph, { threads: 3 })).dir)).toEqual(filesOf(bundle.dir));
    });

    it('loads model.weights.bin in every worker with --weights external', async () => {
      const external = await buildWasmBundle(graph, { threads: 2, weights: 'external' });
      expect(readdirSync(external.dir)).toContain('model.weights.bin');
      const m = track(await (await loadThreaded(external))());
      const x = randomInputs(graph, 500, 21).flat.flatten_input!;
      expect(maxAbsDiff((await m.predict(x, 500)) as Float32Array, single.predict(x, 500) as Float32Array)).toBe(0);
    });

    it('answers concurrent predicts, each with its own rows', async () => {
      const batches = [700, 5, 1000, 301];
      const inputs = batches.map((b, i) => randomInputs(graph, b, 100 + i).flat.flatten_input!);
      const results = await Promise.all(inputs.map((x, i) => model.predict(x, batches[i])));
      results.forEach((y, i) => expect(maxAbsDiff(y as Float32Array, single.predict(inputs[i]!, batches[i]) as Float32Array)).toBe(0));
    });

    it("rejects bad inputs with the single-threaded bundle's errors and leaves the caller's arrays alone", async () => {
      const x = new Float32Array(784 * 200);
      const cases: unknown[][] = [[Array.from(x), 200], [new Float64Array(784), 1], [x, 3], [x, 0], [x, 1.5], [x, '2'], [new Float32Array(785)], [new Float32Array(0)], [{}, 1]];
      for (const args of cases) {
        let expected: unknown;
        expect(() => {
          try {
            (single.predict as (...a: unknown[]) => unknown)(...args);
          } catch (e) {
            expected = e;
            throw e;
          }
        }).toThrow();
        const result = (model.predict as (...a: unknown[]) => Promise<unknown>)(...args);
        expect(result).toBeInstanceOf(Promise);
        await expect(result).rejects.toThrow(expected as Error);
        await expect(result.catch((e: Error) => e.constructor)).resolves.toBe((expected as Error).constructor);
      }
      await model.predict(x, 200);
      expect(x.byteLength).toBe(784 * 200 * 4); // copied to the workers, not transferred away
      const load = await loadThreaded(bundle);
      await expect(load({ minRowsPerWorker: 0 })).rejects.toThrow(RangeError);
    });

    it('dispose() terminates the workers: pending and later predicts reject', async () => {
      const m = await (await loadThreaded(bundle))();
      const x = randomInputs(graph, 3000, 5).flat.flatten_input!;
      const pending = m.predict(x, 3000);
      m.dispose();
      await expect(pending).rejects.toThrow(/disposed/);
      await expect(m.predict(x, 1)).rejects.toThrow(/dispose/);
    });

    it('runs from a copied folder with plain node, which exits without dispose()', () => {
      const dir = tempDir('threads-copied');
      cpSync(bundle.dir, join(dir, 'fashion'), { recursive: true });
      const batch = 1001;
      const x = randomInputs(graph, batch, 9).flat.flatten_input!;
      writeFileSync(join(dir, 'input.bin'), x);
      writeFileSync(
        join(dir, 'main.mjs'),
        [
          "import { readFileSync } from 'node:fs';",
          "import { load } from './fashion/model.js';",
          'const model = await load();',
          "const x = new Float32Array(readFileSync(new URL('./input.bin', import.meta.url)).buffer.slice(0));",
          `console.log(JSON.stringify({ threads: model.threads, y: Array.from(await model.predict(x, ${batch})) }));`,
        ].join('\n'),
      );
      const run = () => execFileSync(process.execPath, [join(dir, 'main.mjs')], { cwd: dir, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 30_000 });
      const out = JSON.parse(run());
      expect(out.threads).toBe(3);
      expect(maxAbsDiff(out.y, single.predict(x, batch) as Float32Array)).toBe(0);
    });
  });

  it('runs its workers in headless Chromium on a page that is not cross-origin isolated', async () => {
    const graph = fixtureGraph('two-outputs');
    const root = tempDir('threads-browser');
    cpSync((await buildWasmBundle(graph, { threads: 2 })).dir, join(root, 'bundle'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>nnc</title><script type="module" src="./page.js"></script>');
    writeFileSync(join(root, 'page.js'), PAGE_SCRIPT);
    const singleBundle = await (await buildWasmBundle(graph)).import();
    expect(relaxedSimdAvailable()).toBe(true); // so Node runs the build Chromium picks (relaxed SIMD)
    const session = await openPage(root);
    try {
      await session.page.waitForFunction(() => 'nncThreaded' in window);
      for (const batch of [7, 300]) {
        const { flat } = randomInputs(graph, batch, 4);
        const args = { inputs: Object.fromEntries(Object.entries(flat).map(([k, v]) => [k, Array.from(v)])), batch };
        const page = (await session.page.evaluate((a) => (window as unknown as BrowserPage).nncThreaded(a), args)) as BrowserResult;
        expect(page.isolated).toBe(false);
        expect(page.threads).toBe(2);
        expect(page.relaxed).toBe(true);
        const single = await singleBundle.load({ relaxed: page.relaxed });
        const node = outputsByName(single.predict(predictArgument(flat), batch), single.outputNames);
        for (const [name, values] of Object.entries(node)) expect(page.outputs[name], `${name}, batch ${batch}`).toEqual(Array.from(values));
      }
      expect(session.pageErrors).toEqual([]);
    } finally {
      await session.close();
    }
  });

  it('nnc build --threads N: N >= 2, wasm only, not with --single-file', () => {
    expect(parseBuildOptions(['m.ts', '--threads', '4']).target).toEqual({ singleFile: false, weights: 'embedded', threads: 4 });
    expect(parseBuildOptions(['m.ts']).target).toEqual({ singleFile: false, weights: 'embedded' });
    for (const bad of ['1', '0', 'two', '2.5', '-3']) expect(() => parseBuildOptions(['m.ts', `--threads=${bad}`])).toThrow(/--threads must be an integer >= 2/);
    expect(() => parseBuildOptions(['m.ts', '--threads', '2', '--target', 'webgpu'])).toThrow(/wasm only/);
    expect(() => parseBuildOptions(['m.ts', '--threads', '2', '--single-file'])).toThrow(/--single-file/);
  });
});
