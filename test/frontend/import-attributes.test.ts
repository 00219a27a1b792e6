import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { onnxSession, ort } from '../helpers/onnxruntime.js';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { NncErrorList, type NncError } from '../../src/errors.js';
import { Random } from '../../src/frontend/random.js';
import { loadOnnxGraph } from '../../src/frontend/import/onnx.js';
import { loadTfjsGraphModel } from '../../src/frontend/import/tfjs-graph.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import { interpret } from '../../src/ir/interpreter.js';
import { printGraph } from '../../src/ir/printer.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { writeOnnxModel } from '../helpers/onnx-model.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { buildWasmBundle, outputsByName, predictArgument } from '../wasm/bundle-helpers.js';
import { removeTempDirs } from '../wasm/temp.js';

const { onnx } = onnxProto;
const rng = new Random(29);
afterAll(removeTempDirs);

/** Max abs error relative to the output's scale (its largest magnitude, at least 1). */
function scaledError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let scale = 1;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  let err = 0;
  for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i]! - want[i]!));
  return Number.isNaN(err) ? Infinity : err / scale;
}

const problems = (e: NncError) => (e instanceof NncErrorList ? e.errors : [e]);
const uniform = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => rng.uniform(lo, hi));

// ---------------------------------------------------------------------------------------------
// ONNX models, built with onnx-proto

type Attr = number | string;
const floatInit = (name: string, dims: number[]) =>
  onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(uniform(dims.reduce((a, b) => a * b, 1), -1, 1)) });
const int64Init = (name: string, values: number[]) => onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
const boolInit = (name: string, value: boolean) => onnx.TensorProto.create({ name, dims: [], dataType: onnx.TensorProto.DataType.BOOL, int32Data: [value ? 1 : 0] });

/** A node; integer values become INT attributes, other numbers FLOAT, strings STRING (as ONNX types them). */
const node = (opType: string, input: string[], output: string | string[], attrs: Record<string, Attr> = {}, float: string[] = []) => {
  const outputs = typeof output === 'string' ? [output] : output;
  return onnx.NodeProto.create({
    opType,
    input,
    output: outputs,
    name: outputs[0],
    attribute: Object.entries(attrs).map(([name, v]) =>
      typeof v === 'string'
        ? onnx.AttributeProto.create({ name, s: Buffer.from(v), type: onnx.AttributeProto.AttributeType.STRING })
        : Number.isInteger(v) && !float.includes(name)
          ? onnx.AttributeProto.create({ name, i: v, type: onnx.AttributeProto.AttributeType.INT })
          : onnx.AttributeProto.create({ name, f: v, type: onnx.AttributeProto.AttributeType.FLOAT }),
    ),
  });
};
const valueInfo = (name: string, dims: (number | string)[]) =>
  onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });

interface OnnxModel {
  nodes: ReturnType<typeof node>[];
  inits?: ReturnType<typeof floatInit>[];
  inputs: ReturnType<typeof valueInfo>[];
  outputs: ReturnType<typeof valueInfo>[];
  opset?: number;
}

function writeOnnx({ nodes, inits = [], inputs, outputs, opset = 17 }: OnnxModel): string {
  return writeOnnxModel({ opset, nodes, initializers: inits, inputs, outputs });
}

/**
 * onnxruntime runs the file; nnc's reference interpreter and the compiled wasm bundle (SIMD and
 * scalar modules) must agree with it within 1e-5 of the output's scale. Returns nnc's outputs.
 */
async function expectOnnxAgreement(path: string, x: { dims: number[]; data: Float32Array }): Promise<Record<string, Float32Array>> {
  const graph = loadOnnxGraph(path);
  verifyGraph(graph, { requireWeightData: true });
  const session = await onnxSession(path);
  const want = await session.run({ x: new ort.Tensor('float32', x.data, x.dims) });
  const got = interpret(graph, { x: { shape: x.dims, data: x.data } });
  const bundle = await buildWasmBundle(graph);
  const mod = await bundle.import();
  for (const simd of [true, false]) {
    const model = await mod.load({ simd });
    const compiled = outputsByName(model.predict(predictArgument({ x: x.data }), x.dims[0]), model.outputNames);
    for (const name of session.outputNames) {
      const expected = want[name]!.data as Float32Array;
      expect(scaledError(got[name]!.data, expected), `interpreter, ${name}`).toBeLessThanOrEqual(1e-5);
      expect(scaledError(compiled[name]!, expected), `wasm (simd: ${simd}), ${name}`).toBeLessThanOrEqual(1e-5);
    }
  }
  return Object.fromEntries(Object.entries(got).map(([k, v]) => [k, v.data as Float32Array]));
}

/** x: [N, 6] -> op -> y. */
const unaryModel = (opType: string, attrs: Record<string, Attr>, float: string[] = Object.keys(attrs)) =>
  writeOnnx({ nodes: [node(opType, ['x'], 'y', attrs, float)], inputs: [valueInfo('x', ['N', 6])], outputs: [valueInfo('y', ['N', 6])] });

describe('ONNX attributes are honoured (onnxruntime = interpreter = wasm bundle)', () => {
  it('Selu honours alpha = 2, gamma = 3 instead of Keras’ fixed constants', async () => {
    const data = uniform(5 * 6, -3, 3);
    data[0] = 2.27; // gamma * x = 6.81 (Keras' constants would give 2.385)
    data[1] = -1; // gamma * alpha * (e^-1 - 1) = -3.793
    const got = await expectOnnxAgreement(unaryModel('Selu', { alpha: 2, gamma: 3 }), { dims: [5, 6], data });
    expect(got.y![0]).toBeCloseTo(6.81, 5);
    expect(got.y![1]).toBeCloseTo(6 * (Math.exp(-1) - 1), 5);
  });

  it('Selu without attributes stays the self-normalizing selu, with no attributes in the IR', async () => {
    const path = unaryModel('Selu', {});
    expect(printGraph(loadOnnxGraph(path))).toMatch(/= selu %x : f32\[\?,6\]/);
    await expectOnnxAgreement(path, { dims: [4, 6], data: uniform(24, -3, 3) });
  });

  it('Elu honours alpha = 0.5', async () => {
    await expectOnnxAgreement(unaryModel('Elu', { alpha: 0.5 }), { dims: [5, 6], data: uniform(30, -3, 3) });
  });

  it('LeakyRelu honours alpha = 0.3', async () => {
    await expectOnnxAgreement(unaryModel('LeakyRelu', { alpha: 0.3 }), { dims: [5, 6], data: uniform(30, -3, 3) });
  });

  it('HardSigmoid honours alpha = 0.5, beta = 0.25 (clipping on both sides)', async () => {
    const got = await expectOnnxAgreement(unaryModel('HardSigmoid', { alpha: 0.5, beta: 0.25 }), { dims: [5, 6], data: uniform(30, -4, 4) });
    expect(got.y!.some((v) => v === 0)).toBe(true);
    expect(got.y!.some((v) => v === 1)).toBe(true);
  });

  it('HardSigmoid without attributes uses ONNX’s defaults alpha = 0.2, beta = 0.5', async () => {
    const data = uniform(5 * 6, -4, 4);
    data[0] = 1;
    const got = await expectOnnxAgreement(unaryModel('HardSigmoid', {}), { dims: [5, 6], data });
    expect(got.y![0]).toBeCloseTo(0.7, 6);
  });

  it('Gemm honours alpha, beta and transB', async () => {
    const path = writeOnnx({
      nodes: [node('Gemm', ['x', 'w', 'c'], 'y', { alpha: 0.5, beta: 2, transB: 1 }, ['alpha', 'beta'])],
      inits: [floatInit('w', [3, 6]), floatInit('c', [3])],
      inputs: [valueInfo('x', ['N', 6])],
      outputs: [valueInfo('y', ['N', 3])],
    });
    await expectOnnxAgreement(path, { dims: [4, 6], data: uniform(24, -1, 1) });
  });

  it('Gemm with beta = 0 ignores C, and Gemm without C adds nothing', async () => {
    const path = writeOnnx({
      nodes: [node('Gemm', ['x', 'w', 'c'], 'h', { beta: 0 }, ['beta']), node('Gemm', ['h', 'w2'], 'y', { alpha: -1.5 }, ['alpha'])],
      inits: [floatInit('w', [6, 4]), floatInit('c', [4]), floatInit('w2', [4, 2])],
      inputs: [valueInfo('x', ['N', 6])],
      outputs: [valueInfo('y', ['N', 2])],
    });
    await expectOnnxAgreement(path, { dims: [3, 6], data: uniform(18, -1, 1) });
  });

  it('Softmax and LogSoftmax before opset 13 normalize over the axes from axis on, flattened (default axis 1)', async () => {
    const path = writeOnnx({
      nodes: [node('Softmax', ['x'], 'p'), node('Reshape', ['x', 'shape4'], 'x4'), node('LogSoftmax', ['x4'], 'l', { axis: 2 })],
      inits: [int64Init('shape4', [0, 2, 3, 1])],
      inputs: [valueInfo('x', ['N', 2, 3])],
      outputs: [valueInfo('p', ['N', 2, 3]), valueInfo('l', ['N', 2, 3, 1])],
      opset: 11,
    });
    const got = await expectOnnxAgreement(path, { dims: [3, 2, 3], data: uniform(18, -2, 2) });
    // Default axis 1 of rank 3: each row's six values sum to 1.
    for (let r = 0; r < 3; r++) expect(got.p!.slice(r * 6, r * 6 + 6).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('Softmax from opset 13 on normalizes along the one axis given', async () => {
    const path = writeOnnx({
      nodes: [node('Softmax', ['x'], 'p', { axis: 1 })],
      inputs: [valueInfo('x', ['N', 2, 3])],
      outputs: [valueInfo('p', ['N', 2, 3])],
      opset: 13,
    });
    await expectOnnxAgreement(path, { dims: [3, 2, 3], data: uniform(18, -2, 2) });
  });

  it('Flatten with axis -2 (the batch axis alone), Concat with a negative axis, and Dropout with a constant false training_mode are exact', async () => {
    const path = writeOnnx({
      nodes: [
        node('Flatten', ['x'], 'f', { axis: -2 }),
        node('Dropout', ['f', 'ratio', 'training'], 'd', { seed: 7 }),
        node('Concat', ['d', 'f'], 'y', { axis: -1 }),
      ],
      inits: [onnx.TensorProto.create({ name: 'ratio', dims: [], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [0.5] }), boolInit('training', false)],
      inputs: [valueInfo('x', ['N', 2, 3])],
      outputs: [valueInfo('y', ['N', 12])],
    });
    await expectOnnxAgreement(path, { dims: [2, 2, 3], data: uniform(12, -1, 1) });
  });
});

describe('ONNX attributes nnc does not handle are refused (NNC6001)', () => {
  it('names node, attribute and value of every refusal at once: from the tables and from building', () => {
    const path = writeOnnx({
      nodes: [
        node('Gemm', ['x', 'w'], 'gemm_ta', { transA: 1 }),
        node('Relu', ['x'], 'relu_odd', { foo: 3 }),
        node('ArgMax', ['x'], 'argmax_far', { axis: 2 }),
        node('Elu', ['x'], 'elu_text', { alpha: 'big' }),
      ],
      inits: [floatInit('w', [6, 6])],
      inputs: [valueInfo('x', ['N', 6])],
      outputs: [valueInfo('gemm_ta', ['N', 6]), valueInfo('relu_odd', ['N', 6]), valueInfo('argmax_far', ['N']), valueInfo('elu_text', ['N', 6])],
      opset: 11,
    });
    const e = catchNnc(() => loadOnnxGraph(path));
    expect(e.code).toBe('NNC6001');
    expect(e.message).toContain('4 problem(s)');
    expect(problems(e).map((p) => [p.location.node, p.detail])).toEqual([
      ['gemm_ta', "Gemm attribute transA = 1 with a computed A ('x') of shape [?,6] is not supported (only a matrix without a batch axis: its transpose would put the batch on its second axis)"],
      ['relu_odd', 'Relu attribute foo = 3 is not one nnc knows for Relu'],
      ['argmax_far', 'ArgMax attribute axis = 2 is out of range for an input of rank 2'],
      ['elu_text', 'Elu attribute alpha = "big" is not a number'],
    ]);
  });

  it('refuses what only the operands reveal: transB of a computed B with a batch axis, allowzero with a 0, a training_mode that may be true, a used mask', () => {
    const path = writeOnnx({
      nodes: [
        node('Relu', ['x'], 'b'),
        node('Gemm', ['x', 'b'], 'gemm_tb', { transB: 1 }),
        node('Reshape', ['x', 'shape'], 'reshape_zero', { allowzero: 1 }),
        node('Dropout', ['x', '', 'x'], 'dropout_train'),
        node('Dropout', ['x'], ['dropout_mask', 'mask']),
        node('Relu', ['gemm_tb'], 'after'),
      ],
      inits: [int64Init('shape', [0, 6])],
      inputs: [valueInfo('x', ['N', 6])],
      outputs: [valueInfo('after', ['N', 6]), valueInfo('reshape_zero', ['N', 6]), valueInfo('dropout_train', ['N', 6]), valueInfo('mask', ['N', 6])],
    });
    const e = catchNnc(() => loadOnnxGraph(path));
    expect(problems(e).map((p) => [p.location.node, p.detail])).toEqual([
      ['gemm_tb', "Gemm attribute transB = 1 with a computed B ('b') of shape [?,6] is not supported (only a matrix without a batch axis: its transpose would put the batch on its second axis)"],
      ['reshape_zero', 'Reshape attribute allowzero = 1 with a 0 in the target shape (an empty axis) is not supported'],
      ['dropout_train', "Dropout: training_mode ('x') must be a constant false"],
      ['dropout_mask', "Dropout: output 1 ('mask') is used, but nnc computes only output 0 of this op"],
    ]);
  });

  it('counts an op of another domain as unsupported, listed with the refused attributes', () => {
    const gelu = node('Gelu', ['x'], 'ms_gelu');
    gelu.domain = 'com.microsoft';
    const path = writeOnnx({
      nodes: [gelu, node('Gelu', ['x'], 'fast_gelu', { approximate: 'fast' })],
      inputs: [valueInfo('x', ['N', 6])],
      outputs: [valueInfo('ms_gelu', ['N', 6]), valueInfo('fast_gelu', ['N', 6])],
      opset: 20,
    });
    const e = catchNnc(() => loadOnnxGraph(path));
    expect(problems(e).map((p) => [p.location.node, p.detail])).toEqual([
      ['ms_gelu', 'ONNX op com.microsoft.Gelu'],
      ['fast_gelu', 'Gelu attribute approximate = "fast" is not supported (only "none" or "tanh")'],
    ]);
    expect(e.hint).toContain('Supported ONNX ops:');
  });
});

// ---------------------------------------------------------------------------------------------
// tfjs graph models, written the way tensorflowjs_converter lays them out

const tfNode = (name: string, op: string, input: string[] = [], attr: Record<string, unknown> = {}) => ({ name, op, input, attr });
const F32 = { T: { type: 'DT_FLOAT' } };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const placeholder = (name: string, dims: number[]) =>
  tfNode(name, 'Placeholder', [], { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: dims.map((d) => ({ size: String(d) })) } } });
const constNode = (name: string) => tfNode(name, 'Const', [], { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT' } } });

interface Weight {
  name: string;
  shape: number[];
  values: Float32Array;
}
const weight = (name: string, shape: number[]): Weight => ({ name, shape, values: uniform(shape.reduce((a, b) => a * b, 1), -1, 1) });

function writeGraphModel(nodes: unknown[], weights: Weight[]): { path: string; json: { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] }; bin: ArrayBuffer } {
  const dir = mkdtempSync(join(tmpdir(), 'nnc-graph-attrs-'));
  const bin = Buffer.concat(weights.map((w) => new Uint8Array(w.values.buffer)));
  const json = {
    format: 'graph-model',
    modelTopology: { node: nodes, library: {}, versions: {} },
    weightsManifest: [{ paths: ['weights.bin'], weights: weights.map(({ name, shape }) => ({ name, shape, dtype: 'float32' as const })) }],
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'weights.bin'), bin);
  return { path: join(dir, 'model.json'), json, bin: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) };
}

describe('tfjs graph model attrs', () => {
  it('MatMul and _FusedMatMul honour transpose_b with a constant weight, and leakyrelu_alpha, equal to tfjs-converter', async () => {
    await tfjsReady();
    const { path, json, bin } = writeGraphModel(
      [
        placeholder('x', [-1, 5]),
        constNode('w1'),
        constNode('b1'),
        constNode('w2'),
        tfNode('hidden', '_FusedMatMul', ['x', 'w1', 'b1'], {
          ...F32,
          fused_ops: { list: { s: [b64('BiasAdd'), b64('LeakyRelu')] } },
          num_args: { i: '1' },
          epsilon: { f: 0 },
          leakyrelu_alpha: { f: 0.3 },
          transpose_a: { b: false },
          transpose_b: { b: true },
          _output_shapes: { list: { shape: [{ dim: [{ size: '-1' }, { size: '4' }] }] } },
        }),
        tfNode('y', 'MatMul', ['hidden', 'w2'], { ...F32, transpose_a: { b: false }, transpose_b: { b: true } }),
      ],
      [weight('w1', [4, 5]), weight('b1', [4]), weight('w2', [3, 4])],
    );
    const graph = loadTfjsGraphModel(path);
    verifyGraph(graph, { requireWeightData: true });
    const x = uniform(6 * 5, -2, 2);
    const oracle = await loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]!.weights, weightData: bin }));
    const want = (await (oracle.execute(tf.tensor(x, [6, 5])) as tf.Tensor).data()) as Float32Array;
    const got = interpret(graph, { x: { shape: [6, 5], data: x } });
    expect(scaledError(got.y!.data, want)).toBeLessThanOrEqual(1e-5);
    expect(printGraph(graph)).toMatch(/leaky_relu %\d+ \{alpha=0\.3\d*\}/);
  });

  it('refuses every unhandled attr at once, naming node, attr and value', () => {
    const { path } = writeGraphModel(
      [
        placeholder('x', [-1, 4]),
        placeholder('odd_shape', [-1, -1]),
        constNode('w'),
        tfNode('mm_ta', 'MatMul', ['x', 'w'], { ...F32, transpose_a: { b: true } }),
        tfNode('relu_half', 'Relu', ['x'], { T: { type: 'DT_HALF' } }),
        tfNode('add_odd', 'AddV2', ['x', 'x'], { ...F32, foo: { i: '3' } }),
      ],
      [weight('w', [4, 4])],
    );
    const e = catchNnc(() => loadTfjsGraphModel(path));
    expect(e.code).toBe('NNC6001');
    expect(problems(e).map((p) => [p.location.node, p.detail])).toEqual([
      ['mm_ta', 'MatMul attr transpose_a = true is not supported (only false)'],
      ['relu_half', 'Relu attr T = "DT_HALF" is not supported (only "DT_FLOAT")'],
      ['add_odd', 'AddV2 attr foo = 3 is not one nnc knows for AddV2'],
      ['odd_shape', 'Placeholder attr shape = [-1,-1] has an unknown axis other than the first (batch) one'],
    ]);
  });

  it('refuses transpose_b on a computed operand, found while building, together with the others', () => {
    const { path } = writeGraphModel(
      [
        placeholder('x', [-1, 4]),
        tfNode('sum', 'AddV2', ['x', 'x'], F32),
        tfNode('mm_tb', 'MatMul', ['x', 'sum'], { ...F32, transpose_b: { b: true } }),
        tfNode('bias_nchw', 'BiasAdd', ['x', 'x'], { ...F32, data_format: { s: b64('NCHW') } }),
      ],
      [],
    );
    const e = catchNnc(() => loadTfjsGraphModel(path));
    expect(problems(e).map((p) => [p.location.node, p.detail])).toEqual([
      ['bias_nchw', 'BiasAdd attr data_format = "NCHW" is not supported (only "NHWC")'],
      ['mm_tb', 'MatMul attr transpose_b = true needs the second operand to be a constant'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// tfjs Layers models, saved through a tfjs save handler

type LayersJson = { modelTopology: { config: { layers: { config: Record<string, unknown> }[] } } };
const saveTfjs = (model: tf.LayersModel) => saveTfjsModel<LayersJson>(model, 'nnc-tfjs-attrs-');

describe('tfjs Layers config keys', () => {
  it('reads use_bias, LeakyReLU alpha, Concatenate axis and Dropout rate, ignores initializers, regularizers, constraints and seeds, equal to tfjs', async () => {
    await tfjsReady();
    const x = tf.input({ shape: [5], name: 'x' });
    const h = tf.layers
      .dense({ units: 4, useBias: false, kernelInitializer: 'heNormal', kernelRegularizer: 'l1l2', kernelConstraint: 'maxNorm', name: 'hidden' })
      .apply(x) as tf.SymbolicTensor;
    const l = tf.layers.leakyReLU({ alpha: 0.1, name: 'leaky' }).apply(h) as tf.SymbolicTensor;
    const d = tf.layers.dropout({ rate: 0.25, seed: 3, name: 'drop' }).apply(l) as tf.SymbolicTensor;
    const c = tf.layers.concatenate({ axis: -1, name: 'cat' }).apply([d, x]) as tf.SymbolicTensor;
    const y = tf.layers.dense({ units: 3, activation: 'tanh', biasInitializer: 'ones', biasRegularizer: 'l1l2', name: 'out' }).apply(c) as tf.SymbolicTensor;
    const original = tf.model({ inputs: x, outputs: y });
    const { dir, json } = await saveTfjs(original);
    const hidden = json.modelTopology.config.layers.find((layer) => layer.config.name === 'hidden')!.config;
    expect(hidden.kernel_regularizer).not.toBeNull(); // the ignored keys are really there
    const imported = loadTfjsLayersModel(join(dir, 'model.json'));
    const data = uniform(4 * 5, -2, 2);
    const want = (await (original.predict(tf.tensor(data, [4, 5])) as tf.Tensor).data()) as Float32Array;
    const got = interpret(imported.toGraph(), { x: { shape: [4, 5], data } });
    expect(scaledError(got.out!.data, want)).toBeLessThanOrEqual(1e-5);
  });

  it('refuses a Dense with activity_regularizer or dtype int32, a Dropout noise_shape and an unknown key, all at once, naming layer and key', async () => {
    await tfjsReady();
    const model = tf.sequential({
      layers: [
        // tfjs saves the dtype of the layer that declares the input shape.
        tf.layers.dense({ units: 2, inputShape: [5], dtype: 'int32', name: 'dense_int' }),
        tf.layers.dense({ units: 4, name: 'dense_reg' }),
        tf.layers.dropout({ rate: 0.5, noiseShape: [1, 4], name: 'drop_shared' }),
        tf.layers.activation({ activation: 'relu', name: 'act' }),
      ],
    });
    const { dir, json } = await saveTfjs(model);
    // tfjs cannot call a layer with an activity regularizer; Keras saves one like this.
    const layerConfig = (name: string) => json.modelTopology.config.layers.find((layer) => layer.config.name === name)!.config;
    expect(layerConfig('dense_reg').activity_regularizer).toBeNull();
    layerConfig('dense_reg').activity_regularizer = { class_name: 'L1L2', config: { l1: 0, l2: 0.01 } };
    layerConfig('act').frobnicate = true;
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    const e = catchNnc(() => loadTfjsLayersModel(join(dir, 'model.json')));
    expect(e.code).toBe('NNC6001');
    expect(problems(e).map((p) => [p.location.layer, p.detail.replace(/ = .* is /, ' is ')])).toEqual([
      ['dense_int', 'Dense config key dtype is not supported (only "float32")'],
      ['dense_reg', 'Dense config key activity_regularizer is not supported (only null)'],
      ['drop_shared', 'Dropout config key noise_shape is not supported (only null)'],
      ['act', 'Activation config key frobnicate is not one nnc knows for Activation'],
    ]);
    expect(problems(e)[0]!.detail).toContain('dtype = "int32"');
    expect(problems(e)[1]!.detail).toMatch(/activity_regularizer = \{"class_name":"L1L2"/);
    expect(problems(e)[2]!.detail).toContain('noise_shape = [1,4]');
  });
});
