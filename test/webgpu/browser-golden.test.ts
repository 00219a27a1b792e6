/**
 * Golden tests of the WebGPU bundle in a real browser: headless Chromium imports each fixture's
 * bundle over http, loads its weights file with fetch, and predicts at batch 1, 7 and 1,000;
 * the outputs equal the reference interpreter's and tfjs's within 1e-4.
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { interpret } from '../../src/ir/interpreter.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { tfjsPredict } from '../helpers/tfjs-twin.js';
import { buildWebGpuBundle } from '../helpers/webgpu.js';
import { openPage, type PageSession } from '../helpers/browser.js';

const TOLERANCE = 1e-4;
const BATCHES = [1, 7, 1000];

let root: string;
let session: PageSession;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'nnc-webgpu-page-'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><meta charset="utf-8"><title>nnc webgpu</title><script type="module" src="page.js"></script>');
  writeFileSync(join(root, 'page.js'), PAGE_SCRIPT);
  // WebGPU needs a secure context, which the helper's http://127.0.0.1 page is.
  session = await openPage(root, { chromiumArgs: ['--enable-unsafe-webgpu'], path: 'index.html' });
  const adapter = await session.page.evaluate(async () => Boolean(await navigator.gpu?.requestAdapter()));
  if (!adapter) throw new Error('Chromium found no WebGPU adapter; it needs a GPU or SwiftShader, which Debian\'s chromium package ships.');
});

afterAll(() => session?.close());

interface PageRun {
  readonly dir: string;
  readonly batches: readonly number[];
  readonly inputCount: number;
  readonly outputNames: readonly string[];
}

/**
 * The page's side, as plain JavaScript served with the bundles (source that the test runner does
 * not transform): loads a bundle and predicts every batch; outputs come back as plain arrays.
 */
const PAGE_SCRIPT = `
window.predictInPage = async ({ dir, batches, inputCount, outputNames }) => {
  const mod = await import('/' + dir + '/model.webgpu.js');
  const model = await mod.load();
  const results = [];
  for (const batch of batches) {
    const inputs = {};
    for (let i = 0; i < inputCount; i++) {
      const response = await fetch('/' + dir + '/input-' + batch + '-' + i + '.bin');
      inputs[model.inputNames[i]] = new Float32Array(await response.arrayBuffer());
    }
    const out = await model.predict(inputCount === 1 ? inputs[model.inputNames[0]] : inputs, batch);
    const named = out instanceof Float32Array ? { [outputNames[0]]: out } : out;
    results.push(Object.fromEntries(Object.entries(named).map(([k, v]) => [k, Array.from(v)])));
  }
  await model.dispose();
  return results;
};
`;

describe.each(FIXTURES)('webgpu bundle in Chromium: $name', (fixture) => {
  it('matches the interpreter and tfjs at batch 1, 7 and 1000', async () => {
    const layers = loadModelFile(fixture.path).model;
    const graph = layers.toGraph();
    const bundle = await buildWebGpuBundle(graph);
    const dir = fixture.name;
    mkdirSync(join(root, dir));
    cpSync(bundle.dir, join(root, dir), { recursive: true });
    const data = BATCHES.map((batch) => randomInputs(graph, batch, batch + 100));
    data.forEach(({ flat }, b) =>
      graph.inputs.forEach((input, i) => writeFileSync(join(root, dir, `input-${BATCHES[b]}-${i}.bin`), flat[input.name!]!)),
    );
    const outputNames = graph.outputs.map((o) => o.name);
    const run: PageRun = { dir, batches: BATCHES, inputCount: graph.inputs.length, outputNames };
    const results = await session.page.evaluate(
      (args) => (window as unknown as { predictInPage(a: PageRun): Promise<Record<string, number[]>[]> }).predictInPage(args),
      run,
    );
    for (const [b, batch] of BATCHES.entries()) {
      const reference = interpret(graph, data[b]!.tensors);
      const tfjs = await tfjsPredict(layers, data[b]!.flat, batch);
      for (const name of outputNames) {
        const got = results[b]![name]!;
        expect(got.length, `${name} at batch ${batch}`).toBe(reference[name]!.data.length);
        expect(maxAbsDiff(got, reference[name]!.data), `${name} at batch ${batch}`).toBeLessThanOrEqual(TOLERANCE);
        expect(maxAbsDiff(got, tfjs[name]!), `${name} at batch ${batch}`).toBeLessThanOrEqual(TOLERANCE);
      }
    }
  });
});
