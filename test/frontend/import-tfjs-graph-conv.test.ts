/**
 * tfjs graph models with convolutional ops (Conv2D, _FusedConv2D, MaxPool, AvgPool, Pad, PadV2,
 * Mean / Max / Sum, the SpaceToBatchND dilated convolution, Keras' Shape/StridedSlice/Pack
 * flatten), hand-written as tensorflowjs_converter writes them, against tfjs-converter running the
 * same files: the interpreter, the wasm bundle (SIMD and scalar) and the WebGPU bundle at batch 1
 * and 7, within 1e-5 of each output's scale (its largest magnitude, at least 1).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NncError } from '../../src/errors.js';
import { Random } from '../../src/frontend/random.js';
import { loadTfjsGraphModel } from '../../src/frontend/import/tfjs-graph.js';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { constNode, floatWeight, intWeight, ints, placeholder, str, strs, tfConverterOutputs, tfNode, writeGraphModel, type Weight } from '../helpers/tfjs-graph-model.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { buildWebGpuBundle, byName, dawnGpu, predictInput } from '../helpers/webgpu.js';
import { buildWasmBundle, outputsByName, predictArgument } from '../wasm/bundle-helpers.js';
import { removeTempDirs } from '../wasm/temp.js';

const RELATIVE = 1e-5;
const BATCHES = [1, 7];
const rng = new Random(23);
const f32 = (name: string, shape: number[], scale = 1) => floatWeight(rng, name, shape, scale);
const i32 = (name: string, shape: number[], values: number[]) => [constNode(name, 'DT_INT32'), intWeight(name, shape, values)] as const;

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, where: string): void {
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  expect(got.length, where).toBe(want.length);
  expect(maxAbsDiff(got, want), where).toBeLessThanOrEqual(RELATIVE * scale);
}

interface Case {
  name: string;
  nodes: unknown[];
  weights: Weight[];
  /** Per-image input shape (one float input, `x`). */
  input: number[];
  outputs: string[];
}

/** Checks one hand-written model in every backend against tfjs-converter. */
function goldenCase({ name, nodes, weights, input, outputs }: Case) {
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

    it('the interpreter and the wasm bundle (SIMD and scalar) equal tfjs-converter', async () => {
      const { load } = await (await buildWasmBundle(graph)).import();
      const builds = [await load(), await load({ simd: false })];
      for (const batch of BATCHES) {
        const { tensors, flat } = randomInputs(graph, batch, batch + 3);
        const want = await oracle(flat.x!, batch);
        const got = interpret(graph, tensors);
        for (const o of outputs) expectClose(got[o]!.data, want[o]!, `interpreter ${o}, batch ${batch}`);
        for (const build of builds) {
          const out = outputsByName(build.predict(predictArgument(flat), batch), build.outputNames);
          for (const o of outputs) expectClose(out[o]!, want[o]!, `wasm ${build.simd ? 'simd' : 'scalar'} ${o}, batch ${batch}`);
        }
      }
    });

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

const conv = (name: string, x: string, w: string, attr: Record<string, unknown>) =>
  tfNode(name, 'Conv2D', [x, w], { T: { type: 'DT_FLOAT' }, data_format: str('NHWC'), strides: ints(1, 1, 1, 1), dilations: ints(1, 1, 1, 1), padding: str('VALID'), use_cudnn_on_gpu: { b: true }, ...attr });
const fused = (name: string, x: string, w: string, b: string, ops: string[], attr: Record<string, unknown> = {}) =>
  tfNode(name, '_FusedConv2D', [x, w, b], { T: { type: 'DT_FLOAT' }, TArgs: { list: { type: ['DT_FLOAT'] } }, num_args: { i: '1' }, fused_ops: strs(...ops), data_format: str('NHWC'), strides: ints(1, 1, 1, 1), dilations: ints(1, 1, 1, 1), padding: str('SAME'), epsilon: { f: 0 }, ...attr });

// Conv2D in every padding / stride / dilation form; _FusedConv2D with every epilogue tfjs runs.
// Weights up to 3 in magnitude push the sums past Relu6's 6.
goldenCase({
  name: 'Conv2D and _FusedConv2D',
  input: [9, 8, 3],
  nodes: [
    placeholder('x', [9, 8, 3]),
    constNode('w'),
    constNode('w5'),
    constNode('bias'),
    conv('valid', 'x', 'w', {}),
    conv('same_s2', 'x', 'w', { padding: str('SAME'), strides: ints(1, 2, 2, 1) }),
    conv('explicit', 'x', 'w', { padding: str('EXPLICIT'), explicit_paddings: ints(0, 0, 1, 2, 2, 0, 0, 0), strides: ints(1, 2, 1, 1) }),
    conv('explicit_as_same', 'x', 'w', { padding: str('EXPLICIT'), explicit_paddings: ints(0, 0, 1, 1, 1, 1, 0, 0) }),
    conv('explicit_zero', 'x', 'w5', { padding: str('EXPLICIT'), explicit_paddings: ints(0, 0, 0, 0, 0, 0, 0, 0), strides: ints(1, 1, 2, 1) }),
    conv('dilated', 'x', 'w', { dilations: ints(1, 2, 3, 1), padding: str('SAME') }),
    fused('bias_only', 'x', 'w', 'bias', ['BiasAdd'], { padding: str('VALID'), strides: ints(1, 2, 2, 1) }),
    fused('relu', 'x', 'w', 'bias', ['BiasAdd', 'Relu']),
    fused('relu6', 'x', 'w', 'bias', ['BiasAdd', 'Relu6']),
    fused('leaky', 'x', 'w', 'bias', ['BiasAdd', 'LeakyRelu'], { leakyrelu_alpha: { f: 0.3 } }),
    fused('elu', 'x', 'w', 'bias', ['BiasAdd', 'Elu'], { padding: str('EXPLICIT'), explicit_paddings: ints(0, 0, 2, 0, 1, 1, 0, 0) }),
    fused('sigmoid', 'x', 'w', 'bias', ['BiasAdd', 'Sigmoid'], { dilations: ints(1, 2, 2, 1) }),
  ],
  weights: [f32('w', [3, 3, 3, 4], 3), f32('w5', [2, 5, 3, 2]), f32('bias', [4])],
  outputs: ['valid', 'same_s2', 'explicit', 'explicit_as_same', 'explicit_zero', 'dilated', 'bias_only', 'relu', 'relu6', 'leaky', 'elu', 'sigmoid'],
});

const pool = (name: string, op: string, ksize: number[], strides: number[], padding: string) =>
  tfNode(name, op, ['x'], { T: { type: 'DT_FLOAT' }, data_format: str('NHWC'), ksize: ints(...ksize), strides: ints(...strides), padding: str(padding), ...(op === 'MaxPool' ? { explicit_paddings: { list: {} } } : {}) });
const [p1, p1w] = i32('p1', [4, 2], [0, 0, 1, 2, 0, 1, 0, 0]);
const [p2, p2w] = i32('p2', [4, 2], [0, 0, 0, 0, 2, 0, 1, 1]);
const [ax12, ax12w] = i32('ax12', [2], [1, 2]);
const [axLast, axLastw] = i32('ax_last', [], [-1]);
const reduce = (name: string, op: string, axes: string, keep: boolean) => tfNode(name, op, ['x', axes], { T: { type: 'DT_FLOAT' }, Tidx: { type: 'DT_INT32' }, keep_dims: { b: keep } });

goldenCase({
  name: 'MaxPool, AvgPool, Pad, PadV2, Mean, Max, Sum',
  input: [7, 6, 4],
  nodes: [
    placeholder('x', [7, 6, 4]),
    p1,
    p2,
    ax12,
    axLast,
    constNode('zero'),
    pool('max_valid', 'MaxPool', [1, 2, 2, 1], [1, 2, 2, 1], 'VALID'),
    pool('max_same', 'MaxPool', [1, 3, 3, 1], [1, 2, 2, 1], 'SAME'),
    pool('avg_same', 'AvgPool', [1, 3, 2, 1], [1, 2, 1, 1], 'SAME'),
    pool('avg_valid', 'AvgPool', [1, 2, 3, 1], [1, 1, 3, 1], 'VALID'),
    tfNode('pad', 'Pad', ['x', 'p1'], { T: { type: 'DT_FLOAT' }, Tpaddings: { type: 'DT_INT32' } }),
    tfNode('pad_v2', 'PadV2', ['x', 'p2', 'zero'], { T: { type: 'DT_FLOAT' }, Tpaddings: { type: 'DT_INT32' } }),
    reduce('gap', 'Mean', 'ax12', false),
    reduce('gap_keep', 'Mean', 'ax12', true),
    reduce('gmp', 'Max', 'ax12', false),
    reduce('sum_last', 'Sum', 'ax_last', true),
  ],
  weights: [p1w, p2w, ax12w, axLastw, { name: 'zero', shape: [], dtype: 'float32', values: [0] }],
  outputs: ['max_valid', 'max_same', 'avg_same', 'avg_valid', 'pad', 'pad_v2', 'gap', 'gap_keep', 'gmp', 'sum_last'],
});

/**
 * TensorFlow's _WithSpaceToBatch paddings and crops for one spatial axis of `size` cells under a
 * `k` tap filter dilated by `d` (tf.required_space_to_batch_paddings over the base paddings).
 */
function spaceToBatchPads(size: number, k: number, d: number, padding: 'SAME' | 'VALID'): { pads: [number, number]; crops: [number, number] } {
  const total = padding === 'SAME' ? (k - 1) * d : 0;
  const [start, end] = [Math.floor(total / 2), total - Math.floor(total / 2)];
  const extra = (d - ((size + start + end) % d)) % d;
  return { pads: [start, end + extra], crops: [0, extra] };
}
function dilatedNodes(name: string, x: string, size: [number, number], k: [number, number], d: number, padding: 'SAME' | 'VALID', inner: (name: string, input: string) => unknown) {
  const [h, w] = [spaceToBatchPads(size[0], k[0], d, padding), spaceToBatchPads(size[1], k[1], d, padding)];
  const [block, blockW] = i32(`${name}/block`, [2], [d, d]);
  const [pads, padsW] = i32(`${name}/paddings`, [2, 2], [...h.pads, ...w.pads]);
  const [crops, cropsW] = i32(`${name}/crops`, [2, 2], [...h.crops, ...w.crops]);
  return {
    nodes: [
      block,
      pads,
      crops,
      tfNode(`${name}/s2b`, 'SpaceToBatchND', [x, `${name}/block`, `${name}/paddings`], { T: { type: 'DT_FLOAT' }, Tblock_shape: { type: 'DT_INT32' }, Tpaddings: { type: 'DT_INT32' } }),
      inner(`${name}/conv`, `${name}/s2b`),
      tfNode(name, 'BatchToSpaceND', [`${name}/conv`, `${name}/block`, `${name}/crops`], { T: { type: 'DT_FLOAT' }, Tblock_shape: { type: 'DT_INT32' }, Tcrops: { type: 'DT_INT32' } }),
    ],
    weights: [blockW, padsW, cropsW],
  };
}
const sameDilated = dilatedNodes('same_d2', 'x', [10, 9], [3, 3], 2, 'SAME', (n, i) => conv(n, i, 'w3', {}));
const validDilated = dilatedNodes('valid_d3', 'x', [10, 9], [2, 2], 3, 'VALID', (n, i) => fused(n, i, 'w2', 'b2', ['BiasAdd', 'Relu'], { padding: str('VALID') }));

goldenCase({
  name: 'SpaceToBatchND -> conv -> BatchToSpaceND (dilated convolutions)',
  input: [10, 9, 3],
  nodes: [
    placeholder('x', [10, 9, 3]),
    constNode('w3'),
    constNode('b3'),
    constNode('w2'),
    constNode('b2'),
    ...sameDilated.nodes,
    tfNode('same_d2_bias', 'BiasAdd', ['same_d2', 'b3'], { T: { type: 'DT_FLOAT' }, data_format: str('NHWC') }),
    ...validDilated.nodes,
  ],
  weights: [f32('w3', [3, 3, 3, 4]), f32('b3', [4]), f32('w2', [2, 2, 3, 5]), f32('b2', [5]), ...sameDilated.weights, ...validDilated.weights],
  outputs: ['same_d2_bias', 'valid_d3'],
});

describe('dilated convolution rewrite', () => {
  it('is one conv2d with dilations (SAME -> same, the odd cell of padding after)', () => {
    const m = writeGraphModel(
      [placeholder('x', [10, 9, 3]), constNode('w3'), ...sameDilated.nodes],
      [f32('w3', [3, 3, 3, 4]), ...sameDilated.weights],
    );
    const convs = loadTfjsGraphModel(m.path).nodes.filter((n) => n.op !== 'input' && n.op !== 'weight');
    expect(convs.map((n) => [n.op, n.attrs.dilations, n.attrs.padding])).toEqual([['conv2d', [2, 2], 'same']]);
  });
});
