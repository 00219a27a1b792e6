/**
 * ONNX export of batch norms: the exporter expands batch_norm's scalar math into ONNX Sub / Mul /
 * Div / Sqrt / Add. onnxruntime-web runs the exported graph, before the passes (batch_norm
 * nodes) and after them (folded into the conv / dense), and equals tfjs within 1e-5 of the
 * output's scale at batch 1 and 7. The ONNX exporter has no conv2d lowering yet, so the cases
 * after conv2d are left to the other backends' golden tests.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../../src/export/onnx.js';
import type { Graph } from '../../src/ir/graph.js';
import { optimize } from '../../src/passes/index.js';
import { onnxSession, ort } from '../helpers/onnxruntime.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { tfjsPredict, tfjsReady } from '../helpers/tfjs-twin.js';
import { BN_CASES } from './batch-norm-models.js';

async function runOnnx(graph: Graph, inputs: Record<string, Float32Array>, batch: number): Promise<Float32Array> {
  const session = await onnxSession(exportOnnx(graph));
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const n of graph.inputs) feeds[n.name!] = new ort.Tensor('float32', inputs[n.name!]!, n.type.shape.map((d) => d ?? batch));
    const results = await session.run(feeds);
    return results[graph.outputs[0]!.name]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('batch norm ONNX export vs tfjs', () => {
  beforeAll(() => tfjsReady());

  for (const { name, make } of BN_CASES.filter((c) => !c.name.includes('conv2d')))
    it(name, async () => {
      const model = make();
      const graph = model.toGraph();
      for (const batch of [1, 7]) {
        const { flat } = randomInputs(graph, batch, batch);
        const want = (await tfjsPredict(model, flat, batch))[model.outputNames[0]!]!;
        const scale = Math.max(1, ...Array.from(want, Math.abs));
        for (const [form, g] of [['source', graph], ['optimized', optimize(graph)]] as const)
          expect(maxAbsDiff(await runOnnx(g, flat, batch), want), `${form}, batch ${batch}`).toBeLessThanOrEqual(1e-5 * scale);
      }
    });
});
