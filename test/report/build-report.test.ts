/**
 * `nnc build --report`: report.html opened in headless Chromium — no errors, no request beyond the
 * page itself, one SVG node per IR node before and after the passes (fused ones listing what they
 * absorbed), one curve point per epoch. A screenshot of each report is left in a temp directory
 * (printed) for a person to look at.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { loadGraphForCli } from '../../src/cli/load-model.js';
import { wasmBlockReader, wasmScratch, wasmSharedScratch } from '../../src/codegen/wasm/kernels/index.js';
import { optimize } from '../../src/passes/index.js';
import { planMemory } from '../../src/passes/plan-memory.js';
import { wasmSectionSizes } from '../../src/report/sizes.js';
import { DataType, node, tensor, valueInfo, writeOnnxModel } from '../helpers/onnx-model.js';
import { removeTempDirs, tempDir } from '../wasm/temp.js';
import { expectGraphs, openReport } from './open-report.js';

afterAll(removeTempDirs);

describe('nnc build --report', () => {
  it('shows the trained Fashion-MNIST MLP: graphs, memory plan, sizes, one curve point per epoch', async () => {
    const dir = tempDir('report-mlp');
    const model = join(dir, 'model.ts');
    writeFileSync(
      model,
      `import { layers, sequential } from 'nnc';
const model = sequential({ layers: [layers.flatten({ inputShape: [28, 28] }), layers.dense({ units: 32, activation: 'relu' }), layers.dense({ units: 10, activation: 'softmax' })] });
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
export const training = { dataset: 'fashion-mnist', epochs: 3, batchSize: 32, trainExamples: 300, validationSplit: 0.2 } as const;
export default model;
`,
    );
    const out = join(dir, 'dist');
    const r = await cli('build', model, '-o', out, '--report');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/report: .*report\.html$/);
    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')) as { history: Record<string, number[]> };
    expect(Object.keys(history.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|@import|url\(http/i);

    const { graph } = await loadGraphForCli(model);
    const optimized = optimize(graph);
    expect(optimized.nodes.length).toBeLessThan(graph.nodes.length); // the passes fused something to show
    await openReport(out, 'fashion-mlp', async (page) => {
      const absorbed = await expectGraphs(page, graph, optimized);
      // Each dense kernel is drawn with the layer's ops it absorbed: flatten, matmul, bias add, activation.
      const dense = optimized.nodes.flatMap((n, i) => (n.op === 'dense' ? [absorbed[i]!.map((a) => a.op)] : []));
      expect(dense).toEqual([
        ['reshape', 'matmul', 'add', 'relu'],
        ['matmul', 'add', 'softmax'],
      ]);
      for (const q of ['loss', 'accuracy'])
        for (const series of ['train', 'val']) expect(await page.count(`svg.curve[data-quantity="${q}"] .${series} circle.point`), `${q} ${series}`).toBe(3);
      const plan = planMemory(optimized, wasmScratch, wasmBlockReader, wasmSharedScratch);
      expect(await page.count('#memory rect.value')).toBe(plan.slots.size);
      // One rectangle per node's scratch, and one per shared buffer (however many nodes share it).
      expect(await page.count('#memory rect.scratch')).toBe(plan.scratch.size + new Set([...plan.shared.values()].map((s) => s.slot)).size);
      expect(await page.count('#sizes tr')).toBeGreaterThan(4);
    });
  }, 180_000);

  it('shows an imported ONNX model with no training section', async () => {
    const dir = tempDir('report-onnx');
    const values = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(i + 1) / 2);
    const file = writeOnnxModel({
        nodes: [node('Gemm', ['x', 'w1', 'b1'], 'h'), node('Relu', ['h'], 'r'), node('Gemm', ['r', 'w2', 'b2'], 'z'), node('Softmax', ['z'], 'y', { axis: 1 })],
        inputs: [valueInfo('x', DataType.FLOAT, ['N', 6])],
        outputs: [valueInfo('y', DataType.FLOAT)],
        initializers: [
          tensor('w1', DataType.FLOAT, [6, 5], values(30)),
          tensor('b1', DataType.FLOAT, [5], values(5)),
          tensor('w2', DataType.FLOAT, [5, 3], values(15)),
          tensor('b2', DataType.FLOAT, [3], values(3)),
        ],
      });
    const out = join(dir, 'dist');
    const r = await cli('build', file, '-o', out, '--target', 'all', '--report');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const { graph } = await loadGraphForCli(file);
    const optimized = optimize(graph);
    // The module's sections, read from its binary, add up to the file; the data section holds the weights.
    const wasm = readFileSync(join(out, 'wasm', 'model.wasm'));
    const sections = wasmSectionSizes({ path: 'model.wasm', contents: new Uint8Array(wasm) });
    expect(sections.reduce((a, r) => a + r.raw, 0)).toBe(wasm.length);
    const weightBytes = [...optimized.weights.values()].reduce((a, w) => a + w.byteLength, 0);
    expect(sections.find((r) => r.name.endsWith(': data (weights, constants)'))!.raw).toBeGreaterThanOrEqual(weightBytes);
    expect(sections.find((r) => r.name.endsWith(': code'))!.raw).toBeGreaterThan(0);
    await openReport(out, 'onnx-mlp', async (page) => {
      await expectGraphs(page, graph, optimized);
      expect(await page.count('#training')).toBe(0);
      expect(await page.count('svg.curve')).toBe(0);
      expect(await page.count('#sizes td:text-is("wasm/model.wasm: code")')).toBe(1);
    });
  }, 120_000);
});
