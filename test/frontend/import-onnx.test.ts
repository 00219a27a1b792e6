import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnxSession, ort } from '../helpers/onnxruntime.js';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { NncError } from '../../src/errors.js';
import { Random } from '../../src/frontend/random.js';
import { loadOnnxGraph } from '../../src/frontend/import/onnx.js';
import { interpret } from '../../src/ir/interpreter.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { maxAbsDiff } from '../helpers/random-inputs.js';

const { onnx } = onnxProto;
const rng = new Random(3);

const floatInit = (name: string, dims: number[]) =>
  onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)) });
const int64Init = (name: string, values: number[]) => onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
const node = (opType: string, input: string[], output: string, attrs: Record<string, number> = {}) =>
  onnx.NodeProto.create({
    opType,
    input,
    output: [output],
    name: output,
    attribute: Object.entries(attrs).map(([name, v]) =>
      Number.isInteger(v) ? onnx.AttributeProto.create({ name, i: v, type: onnx.AttributeProto.AttributeType.INT }) : onnx.AttributeProto.create({ name, f: v, type: onnx.AttributeProto.AttributeType.FLOAT }),
    ),
  });
const valueInfo = (name: string, dims: (number | string)[]) =>
  onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });

function writeModel(nodes: ReturnType<typeof node>[], inits: ReturnType<typeof floatInit>[], inputs: ReturnType<typeof valueInfo>[], outputs: ReturnType<typeof valueInfo>[]): string {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'g', node: nodes, initializer: inits, input: inputs, output: outputs },
  });
  const path = join(mkdtempSync(join(tmpdir(), 'nnc-onnx-')), 'model.onnx');
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return path;
}

async function compareWithOrt(path: string, inputs: Record<string, { dims: number[]; data: Float32Array }>): Promise<void> {
  const graph = loadOnnxGraph(path);
  verifyGraph(graph, { requireWeightData: true });
  const session = await onnxSession(path);
  const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)]));
  const want = await session.run(feeds);
  const got = interpret(graph, Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, { shape: v.dims, data: v.data }])));
  for (const name of session.outputNames) expect(maxAbsDiff(got[name]!.data, want[name]!.data as Float32Array)).toBeLessThanOrEqual(1e-5);
}

const randomData = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));

describe('ONNX import', () => {
  it('imports an MLP (Flatten, Gemm with transB, Relu, MatMul, Add, Softmax) equal to onnxruntime', async () => {
    const path = writeModel(
      [
        node('Flatten', ['x'], 'flat', { axis: 1 }),
        node('Gemm', ['flat', 'w1', 'b1'], 'h', { transB: 1 }),
        node('Relu', ['h'], 'hr'),
        node('MatMul', ['hr', 'w2'], 'logits0'),
        node('Add', ['logits0', 'b2'], 'logits'),
        node('Softmax', ['logits'], 'probs', { axis: -1 }),
      ],
      [floatInit('w1', [16, 12]), floatInit('b1', [16]), floatInit('w2', [16, 5]), floatInit('b2', [5])],
      [valueInfo('x', ['N', 3, 4])],
      [valueInfo('probs', ['N', 5])],
    );
    await compareWithOrt(path, { x: { dims: [7, 3, 4], data: randomData(84) } });
  });

  it('imports branches (Reshape, Concat, Sigmoid, Tanh, LeakyRelu, Elu, Mul, Sub)', async () => {
    const path = writeModel(
      [
        node('Reshape', ['x', 'shape'], 'r'),
        node('Sigmoid', ['r'], 'a'),
        node('Tanh', ['r'], 'b'),
        node('LeakyRelu', ['r'], 'c', { alpha: 0.1 }),
        node('Elu', ['r'], 'd', { alpha: 0.5 }),
        node('Concat', ['a', 'b', 'c', 'd'], 'cat', { axis: 1 }),
        node('Mul', ['cat', 'scale'], 'm'),
        node('Sub', ['m', 'cat'], 'out'),
      ],
      [int64Init('shape', [0, 6]), floatInit('scale', [24])],
      [valueInfo('x', ['N', 2, 3])],
      [valueInfo('out', ['N', 24])],
    );
    await compareWithOrt(path, { x: { dims: [4, 2, 3], data: randomData(24) } });
  });

  it('lists every unsupported op at once with its node name', () => {
    const path = writeModel(
      [node('LRN', ['x'], 'lrn1', { size: 3 }), node('Relu', ['lrn1'], 'r'), node('NonMaxSuppression', ['r'], 'nms1')],
      [],
      [valueInfo('x', ['N', 1, 8, 8])],
      [valueInfo('nms1', ['N', 4])],
    );
    try {
      loadOnnxGraph(path);
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(NncError);
      expect((e as NncError).code).toBe('NNC6001');
      expect((e as NncError).message).toContain('node lrn1');
      expect((e as NncError).message).toContain('node nms1');
      expect((e as NncError).message).toContain('2 problem(s)');
    }
  });

  it('rejects a file that is not ONNX', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'nnc-onnx-')), 'bad.onnx');
    writeFileSync(path, 'definitely not a protobuf \u0000\u00ff');
    expect(() => loadOnnxGraph(path)).toThrow(/NNC6002/);
  });
});
