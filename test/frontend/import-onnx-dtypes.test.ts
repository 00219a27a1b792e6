import { onnxSession, ort } from '../helpers/onnxruntime.js';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOnnxGraph } from '../../src/frontend/import/onnx.js';
import { interpret } from '../../src/ir/interpreter.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { DataType, node, tensor, valueInfo, writeOnnxModel } from '../helpers/onnx-model.js';
import { buildWasmBundle } from '../wasm/bundle-helpers.js';
import { removeTempDirs } from '../wasm/temp.js';

afterAll(removeTempDirs);

/** The NncError `fn` throws has `code` and says `text` (a list's problems included); returns it. */
function expectNncError(fn: () => unknown, code: string, text: RegExp) {
  const e = catchNnc(fn);
  expect(e.code).toBe(code);
  expect(e.message).toMatch(text);
  return e;
}

const { FLOAT, INT32, INT64, BOOL } = DataType;

interface Feed {
  readonly type: number;
  readonly values: number[];
}
interface Case {
  readonly name: string;
  readonly nodes: ReturnType<typeof node>[];
  readonly initializers?: ReturnType<typeof tensor>[];
  /** Graph inputs, each [?, n] fed one row. */
  readonly inputs: Record<string, Feed>;
  /** Outputs: element type, the typed array nnc gives, the exact values expected. */
  readonly outputs: Record<string, { type: number; array: 'Float32Array' | 'Int32Array' | 'Uint8Array'; want: number[] }>;
}

const i32 = (values: number[]): Feed => ({ type: INT32, values });
const f32 = (values: number[]): Feed => ({ type: FLOAT, values });
const i64 = (values: number[]): Feed => ({ type: INT64, values });

const A = [-7, 7, -7, 7, 9, 0, 5, -1];
const B = [2, 2, -2, -2, 3, 4, -5, 1];
const X = [2.7, -2.7, 0.5, -0.5, 0, 1, -3, 100.25];
const Y = [2.7, 1, 0.5, 0, 0, 2, -4, 100.25];

const CASES: Case[] = [
  {
    name: 'int32 Div truncates toward zero (-7 / 2 = -3), not a float quotient',
    nodes: [node('Div', ['a', 'b'], 'q')],
    inputs: { a: i32(A), b: i32(B) },
    outputs: { q: { type: INT32, array: 'Int32Array', want: [-3, 3, 3, -3, 3, 0, -1, -1] } },
  },
  {
    name: 'int32 Add and Mul stay integer',
    nodes: [node('Add', ['a', 'b'], 's'), node('Mul', ['s', 'b'], 'p')],
    inputs: { a: i32(A), b: i32(B) },
    outputs: { p: { type: INT32, array: 'Int32Array', want: [-10, 18, 18, -10, 36, 16, 0, 0] } },
  },
  {
    name: 'an int64 input plus an int64 initializer narrowed to int32 (the bundle takes Int32Array)',
    nodes: [node('Add', ['a', 'w'], 's')],
    initializers: [tensor('w', INT64, [8], [1, -2, 3, -4, 2147483647, -2147483648, 0, 10])],
    inputs: { a: i64([0, 0, 0, 0, 0, 0, 5, -11]) },
    outputs: { s: { type: INT64, array: 'Int32Array', want: [1, -2, 3, -4, 2147483647, -2147483648, 5, -1] } },
  },
  {
    name: 'an int32 initializer added to an int32 input',
    nodes: [node('Add', ['a', 'w'], 's')],
    initializers: [tensor('w', INT32, [8], [1, 2, 3, 4, 5, 6, 7, 8])],
    inputs: { a: i32(A) },
    outputs: { s: { type: INT32, array: 'Int32Array', want: [-6, 9, -4, 11, 14, 6, 12, 7] } },
  },
  {
    name: 'Cast float to int32 truncates (2.7 -> 2, -2.7 -> -2), int32 back to float, float to bool is x != 0',
    nodes: [node('Cast', ['x'], 'i', { to: INT32 }), node('Cast', ['i'], 'f', { to: FLOAT }), node('Cast', ['x'], 'b', { to: BOOL })],
    inputs: { x: f32(X) },
    outputs: {
      i: { type: INT32, array: 'Int32Array', want: [2, -2, 0, 0, 0, 1, -3, 100] },
      f: { type: FLOAT, array: 'Float32Array', want: [2, -2, 0, 0, 0, 1, -3, 100] },
      b: { type: BOOL, array: 'Uint8Array', want: [1, 1, 1, 1, 0, 1, 1, 1] },
    },
  },
  {
    name: 'Equal, Less and Greater of float inputs give bool',
    nodes: [node('Equal', ['x', 'y'], 'eq'), node('Less', ['x', 'y'], 'lt'), node('Greater', ['x', 'y'], 'gt')],
    inputs: { x: f32(X), y: f32(Y) },
    outputs: {
      eq: { type: BOOL, array: 'Uint8Array', want: [1, 0, 1, 0, 1, 0, 0, 1] },
      lt: { type: BOOL, array: 'Uint8Array', want: [0, 1, 0, 1, 0, 1, 0, 0] },
      gt: { type: BOOL, array: 'Uint8Array', want: [0, 0, 0, 0, 0, 0, 1, 0] },
    },
  },
  {
    name: 'Equal, Less and Greater of int32 inputs give bool',
    nodes: [node('Equal', ['a', 'b'], 'eq'), node('Less', ['a', 'b'], 'lt'), node('Greater', ['a', 'b'], 'gt')],
    inputs: { a: i32(A), b: i32([-7, 2, -2, 7, 9, 1, -5, -1]) },
    outputs: {
      eq: { type: BOOL, array: 'Uint8Array', want: [1, 0, 0, 1, 1, 0, 0, 1] },
      lt: { type: BOOL, array: 'Uint8Array', want: [0, 0, 1, 0, 0, 1, 0, 0] },
      gt: { type: BOOL, array: 'Uint8Array', want: [0, 1, 0, 0, 0, 0, 1, 0] },
    },
  },
];

const nncArray = (f: Feed) => (f.type === FLOAT ? Float32Array.from(f.values) : Int32Array.from(f.values));
const ortTensor = (f: Feed) =>
  f.type === FLOAT
    ? new ort.Tensor('float32', Float32Array.from(f.values), [1, f.values.length])
    : f.type === INT64
      ? new ort.Tensor('int64', BigInt64Array.from(f.values, (v) => BigInt(v)), [1, f.values.length])
      : new ort.Tensor('int32', Int32Array.from(f.values), [1, f.values.length]);

function modelOf(c: Case): string {
  return writeOnnxModel({
    nodes: c.nodes,
    initializers: c.initializers,
    inputs: Object.entries(c.inputs).map(([name, f]) => valueInfo(name, f.type, ['N', f.values.length])),
    outputs: Object.entries(c.outputs).map(([name, o]) => valueInfo(name, o.type)),
  });
}

describe('ONNX element types: integers and bools computed as such, equal to onnxruntime (interpreter and wasm bundle, SIMD and scalar)', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const path = modelOf(c);
      const session = await onnxSession(path);
      const ref = await session.run(Object.fromEntries(Object.entries(c.inputs).map(([k, f]) => [k, ortTensor(f)])));
      for (const [name, o] of Object.entries(c.outputs)) expect(Array.from(ref[name]!.data as ArrayLike<number | bigint>, Number), `onnxruntime ${name}`).toEqual(o.want);

      const graph = loadOnnxGraph(path);
      verifyGraph(graph, { requireWeightData: true });
      const got = interpret(graph, Object.fromEntries(Object.entries(c.inputs).map(([k, f]) => [k, { shape: [1, f.values.length], data: nncArray(f) }])));
      for (const [name, o] of Object.entries(c.outputs)) {
        expect(got[name]!.data.constructor.name, `interpreter ${name}`).toBe(o.array);
        expect(Array.from(got[name]!.data), `interpreter ${name}`).toEqual(o.want);
      }

      const bundle = await buildWasmBundle(graph);
      const feeds = Object.fromEntries(Object.entries(c.inputs).map(([k, f]) => [k, nncArray(f)]));
      for (const simd of [true, false]) {
        const model = await (await bundle.import()).load({ simd });
        const result = model.predict((Object.keys(feeds).length === 1 ? Object.values(feeds)[0] : feeds) as never) as unknown;
        const byName = (ArrayBuffer.isView(result) ? { [model.outputNames[0]!]: result } : result) as Record<string, ArrayLike<number>>;
        for (const [name, o] of Object.entries(c.outputs)) {
          expect(byName[name]!.constructor.name, `bundle ${name}, simd ${simd}`).toBe(o.array);
          expect(Array.from(byName[name]!), `bundle ${name}, simd ${simd}`).toEqual(o.want);
        }
      }
    });
  }
});

describe('ONNX element types nnc refuses, by name', () => {
  it('an INT64 initializer holding 2^40 is refused, naming the tensor and the value', () => {
    const path = writeOnnxModel({
      nodes: [node('Add', ['a', 'big'], 's')],
      initializers: [tensor('big', INT64, [2], [1, 2n ** 40n])],
      inputs: [valueInfo('a', INT64, ['N', 2])],
      outputs: [valueInfo('s', INT64)],
    });
    expectNncError(() => loadOnnxGraph(path), 'NNC6001', /'big'.*1099511627776/);
  });

  it('a FLOAT16 input is refused, naming the input and its type', () => {
    const path = writeOnnxModel({
      nodes: [node('Relu', ['h'], 'y')],
      inputs: [valueInfo('h', DataType.FLOAT16, ['N', 4])],
      outputs: [valueInfo('y', DataType.FLOAT16)],
    });
    expectNncError(() => loadOnnxGraph(path), 'NNC6001', /input 'h'.*FLOAT16/);
  });

  it('a DOUBLE initializer is refused, naming the tensor and its type', () => {
    const path = writeOnnxModel({
      nodes: [node('Add', ['x', 'd'], 'y')],
      initializers: [tensor('d', DataType.DOUBLE, [4], [1, 2, 3, 4])],
      inputs: [valueInfo('x', FLOAT, ['N', 4])],
      outputs: [valueInfo('y', FLOAT)],
    });
    expectNncError(() => loadOnnxGraph(path), 'NNC6001', /'d'.*DOUBLE/);
  });

  it('Cast to DOUBLE is refused, naming the target type', () => {
    const path = writeOnnxModel({
      nodes: [node('Cast', ['x'], 'y', { to: DataType.DOUBLE })],
      inputs: [valueInfo('x', FLOAT, ['N', 4])],
      outputs: [valueInfo('y', DataType.DOUBLE)],
    });
    expectNncError(() => loadOnnxGraph(path), 'NNC6001', /to = 11 \(DOUBLE\)/);
  });

  it('Add of an int32 and a float value is refused as an invalid model at the node', () => {
    const path = writeOnnxModel({
      nodes: [node('Add', ['a', 'x'], 'mixed')],
      inputs: [valueInfo('a', INT32, ['N', 4]), valueInfo('x', FLOAT, ['N', 4])],
      outputs: [valueInfo('y', FLOAT)],
    });
    const e = expectNncError(() => loadOnnxGraph(path), 'NNC6002', /Add: operands 'a' \(i32\) and 'x' \(f32\) differ in element type/);
    expect(e.location?.node).toBe('mixed');
  });
});
