import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../fixtures/index.js';
import { NncError } from '../src/errors.js';
import { exportOnnx, toOnnxModel } from '../src/export/onnx.js';
import { loadModelFile } from '../src/frontend/loader.js';
import { Graph, type Node } from '../src/ir/graph.js';
import { interpret } from '../src/ir/interpreter.js';
import { typedTensor } from '../src/ir/tensor.js';
import { parseGraph } from '../src/ir/parser.js';
import { Random } from '../src/frontend/random.js';
import { layers } from '../src/frontend/layers/index.js';
import { sequential } from '../src/frontend/sequential.js';
import { input } from '../src/frontend/layers/input-layer.js';
import { model } from '../src/frontend/model.js';
import { optimize } from '../src/passes/index.js';
import { opRegistry } from '../src/ir/ops/index.js';
import { CONV_CASES } from './conv/conv2d-models.js';
import { CONV_POOL_CASES } from './conv/conv-pool-models.js';
import { UPCONV_CASES } from './conv/upconv-models.js';
import { maxAbsDiff, randomInputs } from './helpers/random-inputs.js';
import { RESIZE_MODES } from './helpers/resize-modes.js';

/** Runs the exported graph in onnxruntime-node (one thread) and returns flat outputs by name. */
async function runOnnx(graph: Graph, inputs: Record<string, Float32Array>, batch: number): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(exportOnnx(graph), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const n of graph.inputs) feeds[n.name!] = new ort.Tensor('float32', inputs[n.name!]!, n.type.shape.map((d) => d ?? batch));
    const results = await session.run(feeds);
    const out: Record<string, Float32Array> = {};
    for (const o of graph.outputs) out[o.name] = results[o.name]!.data as Float32Array;
    return out;
  } finally {
    await session.release();
  }
}

/** Asserts onnxruntime and the reference interpreter agree within 1e-5 at batch sizes 1 and 7. */
async function expectSameAsInterpreter(graph: Graph): Promise<void> {
  for (const batch of [1, 7]) {
    const { tensors, flat } = randomInputs(graph, batch);
    const ours = interpret(graph, tensors);
    const theirs = await runOnnx(graph, flat, batch);
    for (const o of graph.outputs) {
      expect(theirs[o.name]!.length).toBe(ours[o.name]!.data.length);
      expect(maxAbsDiff(theirs[o.name]!, ours[o.name]!.data)).toBeLessThanOrEqual(1e-5);
    }
  }
}

function seededWeights(shapes: Record<string, number[]>): Map<string, Float32Array> {
  const rng = new Random(3);
  return new Map(Object.entries(shapes).map(([name, shape]) => [name, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-0.5, 0.5))]));
}

describe('ONNX export', () => {
  for (const fixture of FIXTURES) {
    it(`${fixture.name}: onnxruntime-node equals the reference interpreter within 1e-5`, async () => {
      const { model } = loadModelFile(fixture.path, { typeCheck: false });
      await expectSameAsInterpreter(model.toGraph());
    });
  }

  it('lowers fused dense and elementwise ops (graphs after the passes)', async () => {
    const graph = parseGraph(
      [
        '%x = input : f32[?,6]',
        '%w1 = weight : f32[6,5]',
        '%b1 = weight : f32[5]',
        '%w2 = weight : f32[5,4]',
        '%w3 = weight : f32[5,3]',
        '%0 = dense %x, %w1, %b1 {activation="gelu"} : f32[?,5]',
        '%1 = elementwise %0, %b1 {expr="select($0,mul($0,$1),neg(abs($0)))"} : f32[?,5]',
        '%2 = dense %1, %w2 {activation="leaky_relu", alpha=0.1} : f32[?,4]',
        '%3 = dense %1, %w3 {activation="softmax"} : f32[?,3]',
        '%4 = swish %2 : f32[?,4]',
        '%5 = log_softmax %4 {axis=-1} : f32[?,4]',
        'output "a" = %5',
        'output "b" = %3',
        'output "c" = %3',
      ].join('\n'),
      { weights: seededWeights({ w1: [6, 5], b1: [5], w2: [5, 4], w3: [5, 3] }) },
    );
    await expectSameAsInterpreter(graph);
  });

  it('lowers relu6 and hard_sigmoid (as ops and as a dense activation) past their corners', async () => {
    const graph = parseGraph(
      [
        '%x = input : f32[?,6]',
        '%w1 = weight : f32[6,5]',
        '%b1 = weight : f32[5]',
        '%0 = elementwise %x {expr="mul($0,20)"} : f32[?,6]',
        '%1 = relu6 %0 : f32[?,6]',
        '%2 = hard_sigmoid %0 : f32[?,6]',
        '%3 = dense %0, %w1, %b1 {activation="relu6"} : f32[?,5]',
        'output "a" = %1',
        'output "b" = %2',
        'output "c" = %3',
      ].join('\n'),
      { weights: seededWeights({ w1: [6, 5], b1: [5] }) },
    );
    await expectSameAsInterpreter(graph);
  });

  it('lowers the math ops of imported graphs to the ONNX ops of the same names (and a fused chain of them)', async () => {
    const graph = parseGraph(
      [
        '%x = input : f32[?,6]',
        '%s = weight : f32[6]',
        '%0 = abs %x : f32[?,6]',
        '%1 = sqrt %0 : f32[?,6]',
        '%2 = log %1 : f32[?,6]',
        '%3 = exp %x : f32[?,6]',
        '%4 = reciprocal %3 : f32[?,6]',
        '%5 = pow %0, %s : f32[?,6]',
        '%6 = prelu %x, %s : f32[?,6]',
        '%7 = celu %x {alpha=1.5} : f32[?,6]',
        '%8 = softsign %x : f32[?,6]',
        '%9 = hard_swish %x : f32[?,6]',
        '%10 = elementwise %x {expr="mul(sign($0),add(floor(mul($0,3)),ceil(erf(neg($0)))))"} : f32[?,6]',
        '%11 = gelu %x {approximate="tanh"} : f32[?,6]',
        'output "a" = %2',
        'output "b" = %4',
        'output "c" = %5',
        'output "d" = %6',
        'output "e" = %7',
        'output "f" = %8',
        'output "g" = %9',
        'output "h" = %10',
        'output "i" = %11',
      ].join('\n'),
      { weights: seededWeights({ s: [6] }) },
    );
    await expectSameAsInterpreter(graph);
  });

  for (const { name, make } of CONV_CASES)
    it(`conv2d ${name}: the NCHW Conv between Transposes equals the interpreter, before and after fusion`, async () => {
      const graph = make().toGraph();
      await expectSameAsInterpreter(graph);
      await expectSameAsInterpreter(optimize(graph));
    });

  it('max and average pooling, valid and same, become NCHW MaxPool / AveragePool without padding cells', async () => {
    const model = sequential({
      layers: [
        layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', inputShape: [7, 6, 3] }),
        layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'same' }),
        layers.maxPooling2d({ poolSize: 2, strides: 1 }),
      ],
    });
    await expectSameAsInterpreter(model.toGraph());
    expect(toOnnxModel(model.toGraph()).graph!.node!.map((n) => n.opType).filter((op) => op !== 'Transpose')).toEqual(['MaxPool', 'AveragePool', 'MaxPool']);
  });

  it('the CNN example (conv, pooling, flatten, dropout) equals the interpreter, before and after fusion', async () => {
    const { model } = loadModelFile('examples/fashion-mnist-cnn/model.ts', { typeCheck: false });
    await expectSameAsInterpreter(model.toGraph());
    // After fusion each conv2d pools in its epilogue: exported as Conv, Relu, MaxPool again.
    await expectSameAsInterpreter(optimize(model.toGraph()));
  });

  for (const { name, make } of CONV_POOL_CASES)
    it(`conv2d + pooling ${name}: the fused pool exports as its pooling op`, async () => {
      await expectSameAsInterpreter(optimize(make().toGraph()));
    });

  for (const { name, make } of UPCONV_CASES)
    it(`${name}: ConvTranspose / Resize between Transposes equal the interpreter, before and after fusion`, async () => {
      const graph = make().toGraph();
      await expectSameAsInterpreter(graph);
      await expectSameAsInterpreter(optimize(graph));
    });

  it('a transposed convolution whose stride leaves trailing cells unread exports their output_padding', async () => {
    // A 'valid' conv of 9 rows at stride 3 with a 2-row kernel has 3 outputs and never reads row
    // 8: the full transposed result (8 rows) lacks it. A 'same' one of 17 x 15 at stride 2 pads
    // one cell before and one after, which the full result (19 x 17) crops.
    const graph = parseGraph(
      [
        '%x = input : f32[?,3,3,4]',
        '%w = weight : f32[2,2,5,4]',
        '%v = weight : f32[3,3,2,5]',
        '%0 = conv2d_grad_input %x, %w {strides=[3,3], size=[9,8]} : f32[?,9,8,5]',
        '%1 = conv2d_grad_input %0, %v {strides=[2,2], padding="same", size=[17,15]} : f32[?,17,15,2]',
        'output "y" = %1',
      ].join('\n'),
      { weights: seededWeights({ w: [2, 2, 5, 4], v: [3, 3, 2, 5] }) },
    );
    graph.nodes.forEach((n) => n.op === 'conv2d_grad_input' && expect(opRegistry.get(n.op)!.inferType(n.inputs.map((i) => i.type), n.attrs).shape).toEqual(n.type.shape));
    await expectSameAsInterpreter(graph);
    const transposes = toOnnxModel(graph).graph!.node!.filter((n) => n.opType === 'ConvTranspose');
    const attr = (n: (typeof transposes)[number], name: string) => n.attribute!.find((a) => a.name === name)!.ints!.map(Number);
    expect(transposes.map((n) => attr(n, 'output_padding'))).toEqual([[1, 0], [0, 0]]);
    expect(transposes.map((n) => attr(n, 'pads'))).toEqual([[0, 0, 0, 0], [1, 1, 1, 1]]);
  });

  it('resize2d in every coordinate and nearest mode becomes Resize with the same names', async () => {
    const modes = RESIZE_MODES;
    const graph = parseGraph(
      [
        '%x = input : f32[?,4,5,3]',
        ...modes.map(([mode, coordinates, nearest], i) => `%${i} = resize2d %x {size=[7,3], mode="${mode}", coordinateMode="${coordinates}", nearestMode="${nearest}"} : f32[?,7,3,3]`),
        ...modes.map((_, i) => `output "y${i}" = %${i}`),
      ].join('\n'),
    );
    await expectSameAsInterpreter(graph);
  });

  it('channels-first layers and Permute export their Transposes, before and after the layout pass', async () => {
    const m = sequential({
      layers: [
        layers.conv2d({ inputShape: [3, 8, 7], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', dataFormat: 'channelsFirst' }),
        layers.maxPooling2d({ dataFormat: 'channelsFirst' }),
        layers.permute({ dims: [3, 1, 2] }),
      ],
    });
    await expectSameAsInterpreter(m.toGraph());
    await expectSameAsInterpreter(optimize(m.toGraph()));
  });

  it('a grouped Conv2D, a Conv2DTranspose with outputPadding and a keepdims global pooling export, before and after the passes', async () => {
    const m = sequential({
      layers: [
        layers.conv2d({ inputShape: [6, 5, 4], filters: 6, kernelSize: 3, padding: 'same', groups: 2, activation: 'relu' }),
        layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1 }),
        layers.globalAveragePooling2d({ keepdims: true }),
      ],
    });
    await expectSameAsInterpreter(m.toGraph());
    await expectSameAsInterpreter(optimize(m.toGraph()));
  });

  it('1-D layers and zero padding (conv1d causal, pooling, upSampling1d, zeroPadding1d / 2d, cropping2d) export', async () => {
    const seq = input({ shape: [20, 3] });
    let y = layers.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(seq);
    y = layers.zeroPadding1d({ padding: [1, 2] }).apply(y);
    y = layers.maxPooling1d().apply(y);
    y = layers.upSampling1d({ size: 2 }).apply(y);
    y = layers.conv1d({ filters: 3, kernelSize: 3, padding: 'causal', dilationRate: 2 }).apply(y);
    const img = input({ shape: [6, 5, 2] });
    const image = layers.cropping2d({ cropping: [[1, 0], [0, 2]] }).apply(layers.zeroPadding2d({ padding: [[0, 1], [2, 1]] }).apply(img));
    const graph = model({ inputs: [seq, img], outputs: [layers.globalAveragePooling1d().apply(y), image] }).toGraph();
    await expectSameAsInterpreter(graph);
    await expectSameAsInterpreter(optimize(graph));
  });

  it('the unrolled recurrent layers (split, concat, gates) equal the interpreter, before and after fusion', async () => {
    const model = sequential({
      layers: [
        layers.lstm({ inputShape: [5, 3], units: 4, returnSequences: true }),
        layers.bidirectional({ layer: layers.gru({ units: 3, resetAfter: true, returnSequences: true }), mergeMode: 'ave' }),
        layers.layerNormalization(),
        layers.simpleRNN({ units: 2, goBackwards: true }),
      ],
    });
    await expectSameAsInterpreter(model.toGraph());
    await expectSameAsInterpreter(optimize(model.toGraph()));
  });

  it('a Masking layer and an LSTM returning its states export (ReduceMax of the steps), equal on padded input', async () => {
    const x = input({ shape: [5, 3] });
    const [sequence, , c] = layers.lstm({ units: 4, returnState: true, returnSequences: true }).apply(layers.masking().apply(x));
    const graph = model({ inputs: x, outputs: [sequence!, c!] }).toGraph();
    for (const g of [graph, optimize(graph)]) {
      const batch = 4;
      const { tensors, flat } = randomInputs(g, batch);
      // Rows 1 and 3 end with two padding steps (every feature 0): the mask skips them.
      for (const row of [1, 3]) for (const t of [3, 4]) tensors[g.inputs[0]!.name!]!.data.fill(0, (row * 5 + t) * 3, (row * 5 + t + 1) * 3);
      flat[g.inputs[0]!.name!]!.set(tensors[g.inputs[0]!.name!]!.data);
      const ours = interpret(g, tensors);
      const theirs = await runOnnx(g, flat, batch);
      for (const o of g.outputs) expect(maxAbsDiff(theirs[o.name]!, ours[o.name]!.data)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('an Embedding with maskZero exports its mask as Casts of the int32 ids, equal on padded ids', async () => {
    const graph = sequential({ layers: [layers.embedding({ inputDim: 9, outputDim: 3, maskZero: true, inputLength: 5 }), layers.gru({ units: 4 }), layers.dense({ units: 2 })] }).toGraph();
    const batch = 4;
    // Ids with padding (0) at the end of some rows and in the middle of one.
    const ids = Int32Array.from([1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 8, 0, 2, 3, 4, 5, 1, 0, 0, 0]);
    const ours = interpret(graph, { [graph.inputs[0]!.name!]: typedTensor([batch, 5], 'i32', ids) });
    const session = await ort.InferenceSession.create(exportOnnx(graph), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    try {
      const results = await session.run({ [graph.inputs[0]!.name!]: new ort.Tensor('int32', ids, [batch, 5]) });
      const name = graph.outputs[0]!.name;
      expect(maxAbsDiff(results[name]!.data as Float32Array, ours[name]!.data)).toBeLessThanOrEqual(1e-5);
    } finally {
      await session.release();
    }
  });

  it('names computed outputs directly and bridges inputs and shared outputs with Identity', () => {
    const { model } = loadModelFile(FIXTURES[0]!.path, { typeCheck: false });
    const seed = toOnnxModel(model.toGraph());
    expect(seed.graph!.node!.map((n) => n.opType)).toEqual(['Reshape', 'MatMul', 'Add', 'Relu', 'MatMul', 'Add', 'Softmax']);
    expect(seed.graph!.node!.at(-1)!.output).toEqual(['dense_1']);
    expect(seed.graph!.input![0]!.type!.tensorType!.shape!.dim![0]!.dimParam).toBe('batch');
    const passthrough = parseGraph(['%x = input : f32[?,2]', '%0 = relu %x : f32[?,2]', 'output "a" = %x', 'output "b" = %0', 'output "c" = %0'].join('\n'));
    const ops = toOnnxModel(passthrough).graph!.node!.map((n) => `${n.opType}:${n.output![0]}`);
    expect(ops).toEqual(['Relu:b', 'Identity:a', 'Identity:c']);
  });

  it('reports every unsupported node at once with NNC4001', () => {
    const x: Node = { id: 0, op: 'input', inputs: [], attrs: {}, type: { dtype: 'f32', shape: [null, 4] }, name: 'x' };
    const bad = (id: number, op: string, input: Node): Node => ({ id, op, inputs: [input], attrs: {}, type: x.type, layer: `layer_${id}` });
    const oneHot = bad(1, 'one_hot', x);
    const graph = new Graph([x, oneHot, bad(2, 'lstm', oneHot)], [{ name: 'y', node: x }], new Map());
    let error: unknown;
    try {
      exportOnnx(graph);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NncError);
    expect((error as NncError).code).toBe('NNC4001');
    expect((error as NncError).message).toMatch(/one_hot[\s\S]*lstm/);
  });
});
