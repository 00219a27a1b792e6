/**
 * tfjs graph models with convolutional ops (Conv2D, _FusedConv2D, DepthwiseConv2dNative,
 * FusedDepthwiseConv2dNative, MaxPool, AvgPool, Pad, PadV2,
 * Mean / Max / Sum, the SpaceToBatchND dilated convolution, Keras' Shape/StridedSlice/Pack
 * flatten), hand-written as tensorflowjs_converter writes them, against tfjs-converter running the
 * same files: the interpreter, the wasm bundle (SIMD and scalar) and the WebGPU bundle at batch 1
 * and 7, within 1e-5 of each output's scale (its largest magnitude, at least 1).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/frontend/random.js';
import { loadTfjsGraphModel } from '../../src/frontend/import/tfjs-graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { randomInputs } from '../helpers/random-inputs.js';
import { expectClose, goldenCase, importProblems, type Case } from '../helpers/tfjs-graph-golden.js';
import { constNode, floatWeight, intWeight, ints, placeholder, str, strs, tfConverterOutputs, tfjsConverterModel, tfNode, writeGraphModel } from '../helpers/tfjs-graph-model.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';

const rng = new Random(23);
const f32 = (name: string, shape: number[], scale = 1) => floatWeight(rng, name, shape, scale);
const i32 = (name: string, shape: number[], values: number[]) => [constNode(name, 'DT_INT32'), intWeight(name, shape, values)] as const;

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

const pool = (name: string, op: string, ksize: number[], strides: number[], padding: string, input = 'x') =>
  tfNode(name, op, [input], { T: { type: 'DT_FLOAT' }, data_format: str('NHWC'), ksize: ints(...ksize), strides: ints(...strides), padding: str(padding), ...(op === 'MaxPool' ? { explicit_paddings: { list: {} } } : {}) });
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

const depthwise = (name: string, x: string, w: string, attr: Record<string, unknown>) =>
  tfNode(name, 'DepthwiseConv2dNative', [x, w], { T: { type: 'DT_FLOAT' }, data_format: str('NHWC'), strides: ints(1, 1, 1, 1), dilations: ints(1, 1, 1, 1), padding: str('VALID'), explicit_paddings: { list: {} }, ...attr });
const fusedDepthwise = (name: string, x: string, w: string, b: string, ops: string[], attr: Record<string, unknown> = {}) =>
  tfNode(name, 'FusedDepthwiseConv2dNative', [x, w, b], {
    T: { type: 'DT_FLOAT' },
    num_args: { i: '1' },
    fused_ops: strs(...ops),
    data_format: str('NHWC'),
    strides: ints(1, 1, 1, 1),
    dilations: ints(1, 1, 1, 1),
    padding: str('SAME'),
    explicit_paddings: { list: {} },
    epsilon: { f: 0 },
    leakyrelu_alpha: { f: 0.2 },
    ...attr,
  });
const depthwiseDilated = dilatedNodes('dw_d2', 'x', [9, 8], [3, 3], 2, 'SAME', (n, i) => depthwise(n, i, 'dw', {}));

// DepthwiseConv2dNative in every padding / stride / dilation form, multipliers 2 and 1, the
// SpaceToBatchND dilated form; FusedDepthwiseConv2dNative with each epilogue grappler writes.
// Weights up to 3 in magnitude push the sums past Relu6's 6.
goldenCase({
  name: 'DepthwiseConv2dNative and FusedDepthwiseConv2dNative',
  input: [9, 8, 3],
  nodes: [
    placeholder('x', [9, 8, 3]),
    constNode('dw'),
    constNode('dw1'),
    constNode('dbias'),
    constNode('dbias1'),
    depthwise('dw_valid', 'x', 'dw', {}),
    depthwise('dw_same_s2', 'x', 'dw', { padding: str('SAME'), strides: ints(1, 2, 2, 1) }),
    depthwise('dw_explicit', 'x', 'dw', { padding: str('EXPLICIT'), explicit_paddings: ints(0, 0, 1, 2, 2, 0, 0, 0), strides: ints(1, 2, 1, 1) }),
    depthwise('dw_dilated', 'x', 'dw1', { dilations: ints(1, 2, 3, 1), padding: str('SAME') }),
    ...depthwiseDilated.nodes,
    fusedDepthwise('fdw_bias', 'x', 'dw', 'dbias', ['BiasAdd'], { padding: str('VALID'), strides: ints(1, 2, 2, 1) }),
    fusedDepthwise('fdw_relu', 'x', 'dw', 'dbias', ['BiasAdd', 'Relu']),
    fusedDepthwise('fdw_relu6', 'x', 'dw1', 'dbias1', ['BiasAdd', 'Relu6'], { dilations: ints(1, 2, 2, 1) }),
  ],
  weights: [f32('dw', [3, 3, 3, 2], 3), f32('dw1', [2, 3, 3, 1], 3), f32('dbias', [6]), f32('dbias1', [3]), ...depthwiseDilated.weights],
  outputs: ['dw_valid', 'dw_same_s2', 'dw_explicit', 'dw_dilated', 'dw_d2', 'fdw_bias', 'fdw_relu', 'fdw_relu6'],
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

  it('is one depthwise_conv2d with dilations for a depthwise convolution', () => {
    const m = writeGraphModel([placeholder('x', [9, 8, 3]), constNode('dw'), ...depthwiseDilated.nodes], [f32('dw', [3, 3, 3, 2]), ...depthwiseDilated.weights]);
    const convs = loadTfjsGraphModel(m.path).nodes.filter((n) => n.op !== 'input' && n.op !== 'weight');
    expect(convs.map((n) => [n.op, n.attrs.dilations, n.attrs.padding])).toEqual([['depthwise_conv2d', [2, 2], 'same']]);
  });
});

// A Keras CNN as tensorflowjs_converter writes it: Conv2D(relu) -> MaxPooling2D -> Flatten
// (Shape / StridedSlice / Pack / Reshape) -> Dense(softmax).
const cnnWeights = [f32('conv2d/kernel', [3, 3, 1, 6]), f32('conv2d/bias', [6]), f32('dense/kernel', [150, 10]), f32('dense/bias', [10])];
const [minusOne, minusOneW] = i32('flatten/Const', [], [-1]);
const [sliceBegin, sliceBeginW] = i32('flatten/strided_slice/stack', [1], [0]);
const [sliceEnd, sliceEndW] = i32('flatten/strided_slice/stack_1', [1], [1]);
const [sliceStrides, sliceStridesW] = i32('flatten/strided_slice/stack_2', [1], [1]);
const CNN: Case = {
  name: 'a Keras CNN (_FusedConv2D, MaxPool, Keras Flatten, _FusedMatMul, Softmax)',
  input: [12, 12, 1],
  nodes: [
    placeholder('x', [12, 12, 1]),
    constNode('conv2d/kernel'),
    constNode('conv2d/bias'),
    constNode('dense/kernel'),
    constNode('dense/bias'),
    minusOne,
    sliceBegin,
    sliceEnd,
    sliceStrides,
    fused('sequential/conv2d/Relu', 'x', 'conv2d/kernel', 'conv2d/bias', ['BiasAdd', 'Relu'], { padding: str('VALID') }),
    pool('sequential/max_pooling2d/MaxPool', 'MaxPool', [1, 2, 2, 1], [1, 2, 2, 1], 'VALID', 'sequential/conv2d/Relu'),
    tfNode('sequential/flatten/Shape', 'Shape', ['sequential/max_pooling2d/MaxPool'], { T: { type: 'DT_FLOAT' }, out_type: { type: 'DT_INT32' } }),
    tfNode('sequential/flatten/strided_slice', 'StridedSlice', ['sequential/flatten/Shape', 'flatten/strided_slice/stack', 'flatten/strided_slice/stack_1', 'flatten/strided_slice/stack_2'], {
      T: { type: 'DT_INT32' },
      Index: { type: 'DT_INT32' },
      begin_mask: { i: '0' },
      end_mask: { i: '0' },
      ellipsis_mask: { i: '0' },
      new_axis_mask: { i: '0' },
      shrink_axis_mask: { i: '1' },
    }),
    tfNode('sequential/flatten/Reshape/shape', 'Pack', ['sequential/flatten/strided_slice', 'flatten/Const'], { T: { type: 'DT_INT32' }, N: { i: '2' }, axis: { i: '0' } }),
    tfNode('sequential/flatten/Reshape', 'Reshape', ['sequential/max_pooling2d/MaxPool', 'sequential/flatten/Reshape/shape'], { T: { type: 'DT_FLOAT' }, Tshape: { type: 'DT_INT32' } }),
    tfNode('sequential/dense/BiasAdd', '_FusedMatMul', ['sequential/flatten/Reshape', 'dense/kernel', 'dense/bias'], {
      T: { type: 'DT_FLOAT' },
      fused_ops: strs('BiasAdd'),
      num_args: { i: '1' },
      epsilon: { f: 0 },
      transpose_a: { b: false },
      transpose_b: { b: false },
    }),
    tfNode('Identity', 'Softmax', ['sequential/dense/BiasAdd'], { T: { type: 'DT_FLOAT' } }),
  ],
  weights: [...cnnWeights, minusOneW, sliceBeginW, sliceEndW, sliceStridesW],
  outputs: ['Identity'],
};
goldenCase(CNN);

describe('the Keras CNN graph model', () => {
  beforeAll(() => tfjsReady());

  it('is the tfjs Layers model it was converted from (same weights), and its flatten folds to one reshape', async () => {
    const layers = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [12, 12, 1], filters: 6, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    layers.setWeights(cnnWeights.map((w) => tf.tensor(w.values, w.shape)));
    const m = writeGraphModel(CNN.nodes, CNN.weights);
    const graph = loadTfjsGraphModel(m.path);
    expect(graph.nodes.filter((n) => n.op === 'reshape').map((n) => n.attrs.shape)).toEqual([[-1]]);
    expect(graph.nodes.some((n) => n.type.dtype === 'i32')).toBe(false);
    const { tensors, flat } = randomInputs(graph, 5, 1);
    const want = (await (layers.predict(tf.tensor(flat.x!, [5, 12, 12, 1])) as tf.Tensor).data()) as Float32Array;
    expectClose(interpret(graph, tensors).Identity!.data, want, 'interpreter vs tfjs Layers');
    expectClose((await tfConverterOutputs(m, { x: tf.tensor(flat.x!, [5, 12, 12, 1]) }, ['Identity'])).Identity!, want, 'tfjs-converter vs tfjs Layers');
  });
});

describe('StridedSlice and Pack fold exactly (int32 constants, every mask)', () => {
  beforeAll(() => tfjsReady());
  const table = Array.from({ length: 12 }, (_, i) => i * 1000003 - 5);
  const [c, cW] = i32('c', [3, 4], table);
  const slice = (name: string, [begin, end, strides]: number[][], masks: Record<string, number>) => {
    const [b, bW] = i32(`${name}/b`, [begin!.length], begin!);
    const [e, eW] = i32(`${name}/e`, [end!.length], end!);
    const [s, sW] = i32(`${name}/s`, [strides!.length], strides!);
    const attr = Object.fromEntries(Object.entries(masks).map(([k, v]) => [k, { i: String(v) }]));
    return { nodes: [b, e, s, tfNode(name, 'StridedSlice', ['c', `${name}/b`, `${name}/e`, `${name}/s`], { T: { type: 'DT_INT32' }, Index: { type: 'DT_INT32' }, ...attr })], weights: [bW, eW, sW] };
  };
  const cases: { name: string; spec: number[][]; masks: Record<string, number>; shape: number[] }[] = [
    { name: 'negative', spec: [[1, -1], [3, 0], [1, -2]], masks: {}, shape: [2, 2] },
    { name: 'ellipsis', spec: [[0, 1], [0, 3], [1, 1]], masks: { ellipsis_mask: 1 }, shape: [3, 2] },
    { name: 'new_axis_shrink', spec: [[0, 2, 0], [0, 3, 0], [1, 1, 1]], masks: { new_axis_mask: 1, shrink_axis_mask: 2, begin_mask: 4, end_mask: 4 }, shape: [1, 4] },
    { name: 'reversed', spec: [[0], [0], [-1]], masks: { begin_mask: 1, end_mask: 1 }, shape: [3, 4] },
    { name: 'clamped', spec: [[-9, 2], [9, 99], [2, 1]], masks: {}, shape: [2, 2] },
  ];

  it('each slice (and a Pack of slices) added to an int32 input equals tfjs-converter', async () => {
    const parts = cases.map((k) => slice(k.name, k.spec, k.masks));
    const adds = cases.map((k) => [placeholder(`k_${k.name}`, k.shape, 'DT_INT32'), tfNode(`sum_${k.name}`, 'AddV2', [`k_${k.name}`, k.name], { T: { type: 'DT_INT32' } })]).flat();
    const pack = tfNode('pack', 'Pack', ['negative', 'clamped'], { T: { type: 'DT_INT32' }, N: { i: '2' }, axis: { i: '-1' } });
    const m = writeGraphModel([c, ...parts.flatMap((p) => p.nodes), ...adds, pack, placeholder('k_pack', [2, 2, 2], 'DT_INT32'), tfNode('sum_pack', 'AddV2', ['k_pack', 'pack'], { T: { type: 'DT_INT32' } })], [cW, ...parts.flatMap((p) => p.weights)]);
    const graph = loadTfjsGraphModel(m.path);
    const shapes = [...cases.map((k) => [k.name, k.shape] as const), ['pack', [2, 2, 2]] as const];
    const inputs = Object.fromEntries(shapes.map(([n, s]) => [`k_${n}`, Int32Array.from({ length: s.reduce((a, b) => a * b, 2) }, (_, i) => i - 3)]));
    const got = interpret(graph, Object.fromEntries(shapes.map(([n, s]) => [`k_${n}`, { shape: [2, ...s], data: inputs[`k_${n}`]! }])));
    const oracle = await tfjsConverterModel(m);
    const names = shapes.map(([n]) => `sum_${n}`);
    const want = oracle.execute(Object.fromEntries(shapes.map(([n, s]) => [`k_${n}`, tf.tensor(inputs[`k_${n}`]!, [2, ...s], 'int32')])), names) as tf.Tensor[];
    for (const [i, name] of names.entries()) {
      expect(got[name]!.data, name).toBeInstanceOf(Int32Array);
      expect(Array.from(got[name]!.data), name).toEqual(Array.from(await want[i]!.data()));
    }
  });
});

describe('refusals name the node and the attr', () => {
  const x = placeholder('x', [6, 6, 2]);
  const w = constNode('w');
  const weights = [f32('w', [3, 3, 2, 2]), f32('bias', [2])];

  it('NCHW, strides / dilations / ksize over the batch or channel axis, bad explicit paddings, EXPLICIT max pooling', () => {
    const message = importProblems(
      [
        x,
        w,
        conv('nchw', 'x', 'w', { data_format: str('NCHW') }),
        conv('batch_stride', 'x', 'w', { strides: ints(2, 1, 1, 1) }),
        conv('channel_dilation', 'x', 'w', { dilations: ints(1, 1, 1, 2) }),
        conv('pad_channels', 'x', 'w', { padding: str('EXPLICIT'), explicit_paddings: ints(0, 0, 1, 1, 1, 1, 1, 0) }),
        conv('pads_without_explicit', 'x', 'w', { padding: str('SAME'), explicit_paddings: ints(0, 0, 1, 1, 1, 1, 0, 0) }),
        pool('pool_channels', 'MaxPool', [1, 2, 2, 2], [1, 2, 2, 1], 'VALID'),
        pool('pool_explicit', 'MaxPool', [1, 2, 2, 1], [1, 2, 2, 1], 'EXPLICIT'),
        depthwise('dw_nchw', 'x', 'w', { data_format: str('NCHW') }),
        depthwise('dw_channel_stride', 'x', 'w', { strides: ints(1, 1, 1, 2) }),
      ],
      weights,
    );
    expect(message).toContain('9 problem(s)');
    for (const expected of [
      'node nchw): Conv2D attr data_format = "NCHW" is not supported (only "NHWC")',
      'node batch_stride): Conv2D attr strides = [2,1,1,1] must be [1, height, width, 1]',
      'node channel_dilation): Conv2D attr dilations = [1,1,1,2] must be',
      'node pad_channels): Conv2D attr explicit_paddings = [0,0,1,1,1,1,1,0] must be 8 non-negative numbers',
      'node pads_without_explicit): Conv2D attr explicit_paddings = [0,0,1,1,1,1,0,0] is only read with padding EXPLICIT, not SAME',
      'node pool_channels): MaxPool attr ksize = [1,2,2,2] must be [1, height, width, 1]',
      'node pool_explicit): MaxPool attr padding = "EXPLICIT" is not supported',
      'node dw_nchw): DepthwiseConv2dNative attr data_format = "NCHW" is not supported (only "NHWC")',
      'node dw_channel_stride): DepthwiseConv2dNative attr strides = [1,1,1,2] must be [1, height, width, 1]',
    ])
      expect(message).toContain(expected);
  });

  it('fused epilogues tfjs does not run, other TensorFlow ops left for later, non-zero PadV2 values, dilated forms it cannot prove equal', () => {
    const [pads, padsW] = i32('pads', [4, 2], [0, 0, 1, 1, 1, 1, 0, 0]);
    const [block, blockW] = i32('block', [2], [2, 2]);
    const [s2bPads, s2bPadsW] = i32('s2b_pads', [2, 2], [2, 2, 2, 2]);
    const [crops, cropsW] = i32('crops', [2, 2], [0, 0, 0, 3]);
    const message = importProblems(
      [
        x,
        w,
        constNode('bias'),
        constNode('one'),
        pads,
        block,
        s2bPads,
        crops,
        fused('tanh', 'x', 'w', 'bias', ['BiasAdd', 'Tanh']),
        fused('batchnorm', 'x', 'w', 'bias', ['FusedBatchNorm', 'Relu']),
        fusedDepthwise('dw_elu', 'x', 'w', 'bias', ['BiasAdd', 'Elu']),
        fusedDepthwise('dw_no_bias', 'x', 'w', 'bias', ['Relu']),
        tfNode('conv3d', 'Conv3D', ['x', 'w']),
        tfNode('lrn', 'LRN', ['x']),
        tfNode('crop', 'CropAndResize', ['x', 'pads']),
        tfNode('pad_one', 'PadV2', ['x', 'pads', 'one'], { T: { type: 'DT_FLOAT' } }),
        tfNode('s2b', 'SpaceToBatchND', ['x', 'block', 's2b_pads']),
        conv('s2b/conv', 's2b', 'w', {}),
        tfNode('b2s', 'BatchToSpaceND', ['s2b/conv', 'block', 'crops']),
        tfNode('s2b_same', 'SpaceToBatchND', ['x', 'block', 's2b_pads']),
        conv('s2b_same/conv', 's2b_same', 'w', { padding: str('SAME') }),
        tfNode('b2s_same', 'BatchToSpaceND', ['s2b_same/conv', 'block', 's2b_pads']),
      ],
      [...weights, { name: 'one', shape: [], dtype: 'float32', values: [1] }, padsW, blockW, s2bPadsW, cropsW],
    );
    for (const expected of [
      'node tanh): TensorFlow op _FusedConv2D [BiasAdd, Tanh]',
      'node batchnorm): TensorFlow op _FusedConv2D [FusedBatchNorm, Relu]',
      'node dw_elu): TensorFlow op FusedDepthwiseConv2dNative [BiasAdd, Elu]',
      'node dw_no_bias): TensorFlow op FusedDepthwiseConv2dNative [Relu]',
      'node conv3d): TensorFlow op Conv3D',
      'node lrn): TensorFlow op LRN',
      'node crop): TensorFlow op CropAndResize',
      "node pad_one): PadV2: constant_values 'one' must be the constant 0",
      'node b2s): BatchToSpaceND: crops [0,0,0,3] must not exceed paddings [2,2,2,2]',
      'node s2b): SpaceToBatchND: supported only as the start of a dilated convolution',
      'node b2s_same): BatchToSpaceND: the convolution s2b_same/conv must be NHWC, VALID',
    ])
      expect(message).toContain(expected);
  });

  it('a SpaceToBatchND whose padded input is not a multiple of the block (TensorFlow refuses it too)', () => {
    const [block, blockW] = i32('block', [2], [2, 2]);
    const [pads, padsW] = i32('pads', [2, 2], [0, 1, 0, 0]);
    const message = importProblems(
      [x, w, block, pads, tfNode('s2b', 'SpaceToBatchND', ['x', 'block', 'pads']), conv('conv', 's2b', 'w', {}), tfNode('b2s', 'BatchToSpaceND', ['conv', 'block', 'pads'])],
      [...weights, blockW, padsW],
    );
    expect(message).toContain('node b2s): Conv2D: SpaceToBatchND s2b: axis 1 padded to 7 cells is not a multiple of the block 2');
  });

  it('a shape computation read by anything but Reshape while it holds the batch size', () => {
    const message = importProblems([x, tfNode('shape', 'Shape', ['x'], { out_type: { type: 'DT_INT32' } }), tfNode('double', 'AddV2', ['shape', 'shape'], { T: { type: 'DT_INT32' } })], []);
    expect(message).toContain('node double): AddV2 reads');
    expect(message).toContain('depends on the batch size');
  });
});
