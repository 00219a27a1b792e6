/**
 * `nnc build --report` of a CNN (conv2d, batch norm, relu, pooling) and of imported models (a tfjs
 * Layers model.json saved by tfjs itself, a tfjs graph model as tensorflowjs_converter lays it
 * out): no errors, no request beyond the page, one SVG node per IR node before and after the
 * passes, fused kernels drawn with the nodes they absorbed (their recorded origin, as drawn
 * before the passes).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGraphForCli } from '../../src/cli/load-model.js';
import { Random } from '../../src/frontend/random.js';
import type { Graph } from '../../src/ir/graph.js';
import { optimize } from '../../src/passes/index.js';
import { cli } from '../helpers/cli.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { writeConvertedMlp } from '../helpers/tfjs-graph-model.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { removeTempDirs, tempDir } from '../wasm/temp.js';
import { expectGraphs, openReport, type DrawnAbsorbed } from './open-report.js';

afterAll(removeTempDirs);

/** Builds `file` with --report, opens the report, checks both graphs; returns the graphs and what each node after the passes was drawn absorbing. */
async function reportOf(file: string, name: string, ...flags: string[]): Promise<{ before: Graph; after: Graph; absorbed: DrawnAbsorbed[][] }> {
  const out = join(tempDir(`report-${name}`), 'dist');
  const r = await cli('build', file, '-o', out, '--report', ...flags);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const before = (await loadGraphForCli(file)).graph;
  const after = optimize(before);
  let absorbed: DrawnAbsorbed[][] = [];
  await openReport(out, name, async (page) => {
    absorbed = await expectGraphs(page, before, after);
  });
  return { before, after, absorbed };
}

/** The absorbed ops drawn on each node of op `op` after the passes. */
const absorbedOps = (after: Graph, absorbed: DrawnAbsorbed[][], op: string) => after.nodes.flatMap((n, i) => (n.op === op ? [absorbed[i]!.map((a) => a.op)] : []));

describe('nnc build --report: fused kernels and imported models', () => {
  it('draws the CNN conv2d kernel as the conv, bias, folded batch norm, relu and pooling it absorbed', async () => {
    const dir = tempDir('report-cnn');
    const model = join(dir, 'model.ts');
    writeFileSync(
      model,
      `import { layers, sequential } from 'nnc';
const model = sequential({ layers: [
  layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3 }),
  layers.batchNormalization({}),
  layers.activation({ activation: 'relu' }),
  layers.maxPooling2d({ poolSize: 2 }),
  layers.flatten(),
  layers.dropout({ rate: 0.25 }),
  layers.dense({ units: 3, activation: 'softmax' }),
] });
export default model;
`,
    );
    const { after, absorbed } = await reportOf(model, 'cnn-batch-norm');
    expect(absorbedOps(after, absorbed, 'conv2d')).toEqual([['conv2d', 'add', 'batch_norm', 'relu', 'max_pool2d']]);
    expect(absorbedOps(after, absorbed, 'dense')).toEqual([['reshape', 'dropout', 'matmul', 'add', 'softmax']]);
    // The folded kernel is drawn as the kernel and the batch norm's statistics and affine weights.
    const folded = after.nodes.findIndex((n) => n.name === 'conv2d/kernel.batch_norm');
    expect(absorbed[folded]!.map((a) => a.text.split(' ')[0])).toEqual([
      '%conv2d/kernel',
      '%batch_normalization/gamma',
      '%batch_normalization/beta',
      '%batch_normalization/moving_mean',
      '%batch_normalization/moving_variance',
    ]);
  }, 120_000);

  it('reports a tfjs Layers model.json (conv2d, batch norm, pooling, dense)', async () => {
    await tfjsReady();
    const m = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 3, kernelSize: 3, padding: 'same' }),
        tf.layers.batchNormalization(),
        tf.layers.activation({ activation: 'relu' }),
        tf.layers.averagePooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4, activation: 'softmax' }),
      ],
    });
    const { dir } = await saveTfjsModel(m, 'nnc-report-layers-');
    const { after, absorbed } = await reportOf(join(dir, 'model.json'), 'tfjs-layers');
    expect(absorbedOps(after, absorbed, 'conv2d')).toEqual([['conv2d', 'add', 'batch_norm', 'relu', 'avg_pool2d']]);
    expect(absorbedOps(after, absorbed, 'dense')).toEqual([['reshape', 'matmul', 'add', 'softmax']]);
  }, 120_000);

  it('reports a tfjs graph model (_FusedMatMul, MatMul + BiasAdd, Softmax)', async () => {
    const { path } = writeConvertedMlp(new Random(3));
    const { after, absorbed } = await reportOf(path, 'tfjs-graph');
    expect(absorbedOps(after, absorbed, 'dense')).toEqual([
      ['reshape', 'matmul', 'add', 'relu'],
      ['matmul', 'add', 'softmax'],
    ]);
  }, 120_000);
});
