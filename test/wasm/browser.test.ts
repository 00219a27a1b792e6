import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import type { Graph } from '../../src/ir/graph.js';
import { openPage, type PageSession } from '../helpers/browser.js';
import { randomInputs } from '../helpers/random-inputs.js';
import { removeTempDirs, tempDir } from './temp.js';
import { buildWasmBundle, outputsByName, predictArgument } from './bundle-helpers.js';
import { relaxedSimdAvailable } from '../../src/train/relaxed-simd.js';

// The page side, a plain module served beside the bundles (kept out of the test's own code so
// the test runner does not rewrite its dynamic imports).
const PAGE_SCRIPT = `
window.nncPredict = async ({ dir, inputs, batch, simd }) => {
  const { load } = await import(\`./\${dir}/model.js\`);
  const model = await load(simd === undefined ? {} : { simd });
  const arrays = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, new Float32Array(v)]));
  const names = Object.keys(arrays);
  const result = model.predict(names.length === 1 ? arrays[names[0]] : arrays, batch);
  const byName = result instanceof Float32Array ? { [model.outputNames[0]]: result } : result;
  return { simd: model.simd, relaxed: model.relaxed, outputs: Object.fromEntries(Object.entries(byName).map(([k, v]) => [k, Array.from(v)])) };
};
window.nncPredictError = async (dir) => {
  const { load } = await import(\`./\${dir}/model.js\`);
  const model = await load();
  try {
    model.predict([1, 2, 3], 1);
    return 'no error';
  } catch (e) {
    return \`\${e.constructor.name}: \${e.message}\`;
  }
};
`;

interface PageApi {
  nncPredict(args: { dir: string; inputs: Record<string, number[]>; batch: number; simd: boolean | undefined }): Promise<PageResult>;
  nncPredictError(dir: string): Promise<string>;
}

interface PageResult {
  simd: boolean;
  relaxed: boolean;
  outputs: Record<string, number[]>;
}

/** The same bundle in headless Chromium, served over HTTP, gives the numbers Node gives. */
describe('wasm bundle in headless Chromium', () => {
  const root = tempDir('browser');
  const graphs = new Map<string, Graph>();
  let session: PageSession;

  beforeAll(async () => {
    for (const name of ['seed-sequential', 'two-inputs', 'two-outputs']) {
      const graph = loadModelFile(FIXTURES.find((f) => f.name === name)!.path, { typeCheck: false }).model.toGraph();
      graphs.set(name, graph);
      cpSync((await buildWasmBundle(graph)).dir, join(root, name), { recursive: true });
    }
    cpSync((await buildWasmBundle(graphs.get('seed-sequential')!, { singleFile: true })).dir, join(root, 'single'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>nnc</title><script type="module" src="./page.js"></script>');
    writeFileSync(join(root, 'page.js'), PAGE_SCRIPT);
    session = await openPage(root);
    await session.page.waitForFunction(() => 'nncPredict' in window);
  });
  afterAll(async () => {
    await session?.close();
    removeTempDirs();
  });

  const inBrowser = (dir: string, inputs: Record<string, number[]>, batch: number, simd?: boolean) =>
    session.page.evaluate((args) => (window as unknown as PageApi).nncPredict(args), { dir, inputs, batch, simd }) as Promise<PageResult>;

  async function expectSameAsNode(name: string, dir: string, batch: number, simd?: boolean) {
    const graph = graphs.get(name)!;
    const { flat } = randomInputs(graph, batch, 3);
    const page = await inBrowser(dir, Object.fromEntries(Object.entries(flat).map(([k, v]) => [k, Array.from(v)])), batch, simd);
    // Chromium runs relaxed SIMD by default; Node 20 once the probe has set V8's flag. The same
    // build on the same CPU gives the same bits.
    expect(relaxedSimdAvailable()).toBe(true);
    const model = await (await (await buildWasmBundle(graph)).import()).load({ simd: simd ?? true, relaxed: page.relaxed });
    const node = outputsByName(model.predict(predictArgument(flat), batch), model.outputNames);
    expect(page.simd).toBe(simd ?? true);
    expect(page.relaxed).toBe(simd ?? true);
    for (const [output, values] of Object.entries(node)) expect(page.outputs[output], `${name} ${output}`).toEqual(Array.from(values));
    expect(session.pageErrors).toEqual([]);
  }

  it('the seed model, SIMD128 and scalar builds, batch 1 and 7', async () => {
    for (const batch of [1, 7]) {
      await expectSameAsNode('seed-sequential', 'seed-sequential', batch);
      await expectSameAsNode('seed-sequential', 'seed-sequential', batch, false);
    }
  });

  it('several inputs and outputs, and the single-file bundle', async () => {
    await expectSameAsNode('two-inputs', 'two-inputs', 5);
    await expectSameAsNode('two-outputs', 'two-outputs', 5);
    await expectSameAsNode('seed-sequential', 'single', 3);
  });

  it('throws the same TypeError in the page', async () => {
    const message = await session.page.evaluate(() => (window as unknown as PageApi).nncPredictError('seed-sequential'));
    expect(message).toBe('TypeError: input "flatten_input" must be a Float32Array, got Array');
  });
});
