/**
 * ONNX export of batch norms: the exporter expands batch_norm's scalar math into ONNX Sub / Mul /
 * Div / Sqrt / Add. onnxruntime-web runs the exported graph, before the passes (batch_norm
 * nodes) and after them (folded into the conv / dense), and equals tfjs within 1e-5 of the
 * output's scale at batch 1, 7 and 64 (the conv2d cases as NCHW Conv between Transposes). ONNX
 * import: a depthwise Conv (group = C) then BatchNormalization then Relu folds into one
 * depthwise_conv2d, and the imported graph before and after the passes equals onnxruntime
 * within 1e-5 of the output's scale, at batch 1, 7 and 64.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../../src/export/onnx.js';
import { loadOnnxGraph } from '../../src/frontend/import/onnx.js';
import { Random } from '../../src/frontend/random.js';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { isElementwiseOp } from '../../src/ir/traits.js';
import { optimize } from '../../src/passes/index.js';
import { DataType, node, tensor, valueInfo, writeOnnxModel } from '../helpers/onnx-model.js';
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

  for (const { name, make } of BN_CASES)
    it(name, async () => {
      const model = make();
      const graph = model.toGraph();
      for (const batch of [1, 7, 64]) {
        const { flat } = randomInputs(graph, batch, batch);
        const want = (await tfjsPredict(model, flat, batch))[model.outputNames[0]!]!;
        const scale = Math.max(1, ...Array.from(want, Math.abs));
        for (const [form, g] of [['source', graph], ['optimized', optimize(graph)]] as const)
          expect(maxAbsDiff(await runOnnx(g, flat, batch), want), `${form}, batch ${batch}`).toBeLessThanOrEqual(1e-5 * scale);
      }
    });
});

/** The imported ONNX model `path` (x [N, ...image] → y), before and after the passes, equals onnxruntime within 1e-5 of its scale at batch 1, 7 and 64. */
async function expectOnnxRuntime(path: string, graph: Graph, optimized: Graph, image: number[]): Promise<void> {
  const session = await onnxSession(path);
  try {
    for (const batch of [1, 7, 64]) {
      const { tensors, flat } = randomInputs(graph, batch, batch);
      const want = (await session.run({ x: new ort.Tensor('float32', flat.x!, [batch, ...image]) })).y!.data as Float32Array;
      const scale = Math.max(1, ...Array.from(want, Math.abs));
      for (const [form, g] of [['source', graph], ['optimized', optimized]] as const)
        expect(maxAbsDiff(interpret(g, tensors).y!.data, want), `${form}, batch ${batch}`).toBeLessThanOrEqual(1e-5 * scale);
    }
  } finally {
    await session.release();
  }
}

/** x [N, 3, 6, 6] → Conv (group 3, W [3·m, 1, 3, 3], bias, pads 1) → BatchNormalization → Relu, seeded. */
function depthwiseConvBatchNorm(m: number): string {
  const rng = new Random(11);
  const channels = 3 * m;
  const values = (n: number, low = -1, high = 1) => Array.from({ length: n }, () => rng.uniform(low, high));
  const perChannel = (name: string, low?: number, high?: number) => tensor(name, DataType.FLOAT, [channels], values(channels, low, high));
  return writeOnnxModel({
    nodes: [node('Conv', ['x', 'w', 'b'], 'c', { group: 3, pads: [1, 1, 1, 1] }), node('BatchNormalization', ['c', 'scale', 'bias', 'mean', 'var'], 'n'), node('Relu', ['n'], 'y')],
    initializers: [tensor('w', DataType.FLOAT, [channels, 1, 3, 3], values(channels * 9)), perChannel('b'), perChannel('scale'), perChannel('bias'), perChannel('mean'), perChannel('var', 0.1, 1.5)],
    inputs: [valueInfo('x', DataType.FLOAT, ['N', 3, 6, 6])],
    outputs: [valueInfo('y', DataType.FLOAT)],
    opset: 13,
  });
}

describe.each([1, 2])('ONNX import: depthwise Conv (multiplier %i), BatchNormalization, Relu', (m) => {
  const path = depthwiseConvBatchNorm(m);
  const graph = loadOnnxGraph(path);
  const optimized = optimize(graph, { verify: true });

  it('folds the batch norm into the depthwise_conv2d, whose epilogue adds the bias and applies the relu', () => {
    const depthwise = optimized.nodes.filter((n) => n.op === 'depthwise_conv2d');
    expect(depthwise.map((n) => [n.inputs[1]!.name?.endsWith('.batch_norm'), n.inputs.length, n.attrs.activation])).toEqual([[true, 3, 'relu']]);
    expect(optimized.nodes.filter((n) => n.op === 'batch_norm' || isElementwiseOp(n.op))).toEqual([]);
  });

  it('equals onnxruntime before and after the passes', () => expectOnnxRuntime(path, graph, optimized, [3, 6, 6]));
});

/**
 * DCGAN's generator block: x [N, 4, 5, 5] → ConvTranspose (kernel 4, stride 2, pads 1, no bias)
 * → BatchNormalization → Relu, seeded. Its pads are the IR's 'same' for the conv over the 10×10
 * result, so no slice separates it from the batch norm.
 */
function dcganBlock(): string {
  const rng = new Random(13);
  const values = (n: number, low = -1, high = 1) => Array.from({ length: n }, () => rng.uniform(low, high));
  const perChannel = (name: string, low?: number, high?: number) => tensor(name, DataType.FLOAT, [3], values(3, low, high));
  return writeOnnxModel({
    nodes: [
      node('ConvTranspose', ['x', 'w'], 'c', { kernel_shape: [4, 4], strides: [2, 2], pads: [1, 1, 1, 1] }),
      node('BatchNormalization', ['c', 'scale', 'bias', 'mean', 'var'], 'n'),
      node('Relu', ['n'], 'y'),
    ],
    initializers: [tensor('w', DataType.FLOAT, [4, 3, 4, 4], values(4 * 3 * 16)), perChannel('scale'), perChannel('bias'), perChannel('mean'), perChannel('var', 0.1, 1.5)],
    inputs: [valueInfo('x', DataType.FLOAT, ['N', 4, 5, 5])],
    outputs: [valueInfo('y', DataType.FLOAT)],
    opset: 13,
  });
}

describe('ONNX import: ConvTranspose (DCGAN: kernel 4, stride 2, pads 1), BatchNormalization, Relu', () => {
  const path = dcganBlock();
  const graph = loadOnnxGraph(path);
  const optimized = optimize(graph, { verify: true });

  it("computes the cropped result in the op ('same'), so the batch norm folds into its kernel", () => {
    const transposed = optimized.nodes.filter((n) => n.op === 'conv2d_grad_input');
    expect(transposed.map((n) => [n.attrs.padding, n.attrs.size, n.inputs[1]!.name?.endsWith('.batch_norm')])).toEqual([['same', [10, 10], true]]);
    expect(optimized.nodes.filter((n) => n.op === 'batch_norm' || n.op === 'slice')).toEqual([]);
  });

  it('equals onnxruntime before and after the passes', () => expectOnnxRuntime(path, graph, optimized, [4, 5, 5]));
});
