/**
 * ONNX nodes with several outputs: Split in its three opset forms (attribute, constant input,
 * num_outputs) imported as one multi-result node and compared with onnxruntime, and nodes whose
 * extra outputs nnc cannot compute (Dropout's boolean mask): fine while nothing reads them,
 * NNC6001 naming the node and the output when something does.
 */
import { onnxSession, ort } from '../helpers/onnxruntime.js';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { NncError, type NncErrorList } from '../../src/errors.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { loadOnnxGraph } from '../../src/frontend/import/onnx.js';
import { Random } from '../../src/frontend/random.js';
import { interpret } from '../../src/ir/interpreter.js';
import { printGraph } from '../../src/ir/printer.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { maxAbsDiff } from '../helpers/random-inputs.js';
import { writeOnnxModel } from '../helpers/onnx-model.js';
import { buildWasmBundle, outputsByName } from '../wasm/bundle-helpers.js';

const { onnx } = onnxProto;
const T = onnx.AttributeProto.AttributeType;
const rng = new Random(11);

type Attr = number | number[];
const node = (opType: string, input: string[], output: string[], attrs: Record<string, Attr> = {}) =>
  onnx.NodeProto.create({
    opType,
    input,
    output,
    name: `${opType.toLowerCase()}_${output[0]}`,
    attribute: Object.entries(attrs).map(([name, v]) =>
      Array.isArray(v)
        ? onnx.AttributeProto.create({ name, ints: v, type: T.INTS })
        : Number.isInteger(v)
          ? onnx.AttributeProto.create({ name, i: v, type: T.INT })
          : onnx.AttributeProto.create({ name, f: v, type: T.FLOAT }),
    ),
  });
const int64Init = (name: string, values: number[]) => onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
const valueInfo = (name: string, dims: (number | string)[], elemType: number = onnx.TensorProto.DataType.FLOAT) =>
  onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });

function writeModel(opset: number, nodes: ReturnType<typeof node>[], inits: ReturnType<typeof int64Init>[], inputs: ReturnType<typeof valueInfo>[], outputs: ReturnType<typeof valueInfo>[]): string {
  return writeOnnxModel({ opset, nodes, initializers: inits, inputs, outputs });
}

const randomData = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));

/** Imports the model, checks it, and compares every output with onnxruntime's; returns the import. */
async function expectEqualToOrt(path: string, dims: number[]) {
  const graph = loadOnnxGraph(path);
  verifyGraph(graph, { requireWeightData: true });
  const data = randomData(dims.reduce((a, b) => a * b, 1));
  const session = await onnxSession(path);
  const want = await session.run({ x: new ort.Tensor('float32', data, dims) });
  const got = interpret(graph, { x: { shape: dims, data } });
  expect(Object.keys(got).sort()).toEqual([...session.outputNames].sort());
  for (const name of session.outputNames) {
    expect(got[name]!.shape, name).toEqual([...want[name]!.dims]);
    expect(maxAbsDiff(got[name]!.data, want[name]!.data as Float32Array), name).toBeLessThanOrEqual(1e-6);
  }
  return { graph, data, want };
}

describe('ONNX nodes with several outputs', () => {
  it('opset 11: Split with the `split` attribute becomes one split node, every output kept', async () => {
    const path = writeModel(
      11,
      [node('Split', ['x'], ['a', 'b', 'c'], { axis: 1, split: [1, 3, 2] }), node('Relu', ['b'], ['rb']), node('Add', ['a', 'c'], ['ac'])],
      [],
      [valueInfo('x', ['N', 6])],
      [valueInfo('rb', ['N', 3]), valueInfo('ac', ['N', 2]), valueInfo('a', ['N', 1])],
    );
    const { graph } = await expectEqualToOrt(path, [5, 6]);
    expect(printGraph(graph)).toContain('%0, %1, %2 = split %x {axis=1, sizes=[1,3,2]} : f32[?,1], f32[?,3], f32[?,2]');
    expect(graph.nodes.filter((n) => n.op === 'split')).toHaveLength(1);
  });

  it('opset 13: Split with the sizes as an initializer input, and an equal split; the compiled bundle agrees too', async () => {
    const path = writeModel(
      13,
      [node('Split', ['x', 'sizes'], ['a', 'b'], { axis: -1 }), node('Split', ['b'], ['b0', 'b1', 'b2'], { axis: 1 }), node('Tanh', ['b2'], ['t'])],
      [int64Init('sizes', [1, 3])],
      [valueInfo('x', ['N', 3, 4])],
      [valueInfo('a', ['N', 3, 1]), valueInfo('b0', ['N', 1, 3]), valueInfo('t', ['N', 1, 3])],
    );
    const { graph, data, want } = await expectEqualToOrt(path, [4, 3, 4]);
    expect(printGraph(graph)).toMatch(/= split %x \{axis=2, sizes=\[1,3\]\}/);
    expect(printGraph(graph)).toMatch(/= split %\d+ \{axis=1, sizes=\[1,1,1\]\}/);
    // The weight table stays empty: the sizes are attributes, not a weight.
    expect(graph.weights.size).toBe(0);
    const bundle = await buildWasmBundle(graph);
    expect(printGraph(bundle.optimized)).toMatch(/%\d+, _, %\d+ = split/); // b1 is read by nothing
    const model = await (await bundle.import()).load();
    const got = outputsByName(model.predict(data, 4), model.outputNames);
    for (const name of ['a', 'b0', 't']) expect(maxAbsDiff(got[name]!, want[name]!.data as Float32Array), name).toBeLessThanOrEqual(1e-6);
  });

  it('opset 18: Split with num_outputs, the last piece smaller', async () => {
    const path = writeModel(
      18,
      [node('Split', ['x'], ['a', 'b', 'c'], { axis: 1, num_outputs: 3 })],
      [],
      [valueInfo('x', ['N', 7])],
      [valueInfo('a', ['N', 3]), valueInfo('b', ['N', 3]), valueInfo('c', ['N', 1])],
    );
    const { graph } = await expectEqualToOrt(path, [3, 7]);
    expect(printGraph(graph)).toContain('split %x {axis=1, sizes=[3,3,1]}');
  });

  it('refuses a Split along the batch axis with NNC6001', () => {
    const path = writeModel(13, [node('Split', ['x'], ['a', 'b'], { axis: 0 })], [], [valueInfo('x', ['N', 4])], [valueInfo('a', ['N', 4]), valueInfo('b', ['N', 4])]);
    const e = catchNnc(() => loadOnnxGraph(path)) as NncErrorList;
    expect(e.code).toBe('NNC6001');
    expect(e.errors[0]!.message).toMatch(/Split attribute axis = 0 is the batch axis, which nnc does not split/);
  });

  it('imports a Dropout whose mask output nothing reads', async () => {
    const path = writeModel(
      13,
      [node('Dropout', ['x'], ['y', 'mask']), node('Sigmoid', ['y'], ['s'])],
      [],
      [valueInfo('x', ['N', 5])],
      [valueInfo('s', ['N', 5])],
    );
    await expectEqualToOrt(path, [2, 5]);
  });

  it('refuses a node whose output nnc does not compute when it is read, with NNC6001 naming the node and the output', () => {
    const path = writeModel(
      13,
      [node('MaxPool', ['x'], ['y', 'idx'], { kernel_shape: [2, 2] })],
      [],
      [valueInfo('x', ['N', 1, 4, 4])],
      [valueInfo('y', ['N', 1, 2, 2]), valueInfo('idx', ['N', 1, 2, 2], onnx.TensorProto.DataType.INT64)],
    );
    try {
      loadOnnxGraph(path);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NncError);
      expect((e as NncError).code).toBe('NNC6001');
      const [problem] = (e as NncErrorList).errors;
      expect(problem!.location.node).toBe('maxpool_y');
      expect(problem!.message).toMatch(/MaxPool: output 1 \('idx'\) is used, but nnc computes only output 0 of this op/);
    }
  });
});
