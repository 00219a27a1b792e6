/**
 * ONNX's shape and structure operators, each attribute variant and input form of opsets 7-25,
 * equal to onnxruntime-web through the interpreter (each case) and the wasm and WebGPU bundles
 * (the cases of one opset merged into one model; WebGPU takes those computed in f32).
 */
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOnnxGraph } from '../../src/frontend/import/onnx.js';
import { printGraph } from '../../src/ir/printer.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { DataType, tensor } from '../helpers/onnx-model.js';
import { checkInterpreter, checkWasm, checkWebGpu, writeCase, type OnnxCase } from '../helpers/onnx-case-table.js';
import { removeTempDirs } from '../wasm/temp.js';

const { onnx } = onnxProto;
const { FLOAT, INT32, INT64, BOOL } = DataType;
afterAll(removeTempDirs);

type Attr = number | number[] | string | InstanceType<typeof onnx.TensorProto>;
function attribute(name: string, v: Attr) {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, s: new TextEncoder().encode(v), type: T.STRING });
  if (Array.isArray(v)) return v.every(Number.isInteger) ? onnx.AttributeProto.create({ name, ints: v, type: T.INTS }) : onnx.AttributeProto.create({ name, floats: v, type: T.FLOATS });
  if (typeof v === 'number') return Number.isInteger(v) && !name.includes('float') ? onnx.AttributeProto.create({ name, i: v, type: T.INT }) : onnx.AttributeProto.create({ name, f: v, type: T.FLOAT });
  return onnx.AttributeProto.create({ name, t: v, type: T.TENSOR });
}
/** A node named after its first output. */
const nd = (opType: string, input: string[], output: string | string[], attrs: Record<string, Attr> = {}) => {
  const outputs = typeof output === 'string' ? [output] : output;
  return onnx.NodeProto.create({ opType, input, output: outputs, name: outputs[0], attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
};
const i64 = (name: string, values: (number | bigint)[], dims = [values.length]) => tensor(name, INT64, dims, values);
const f32 = (name: string, values: number[], dims = [values.length]) => tensor(name, FLOAT, dims, values);
const INT64_MAX = 2n ** 63n - 1n;

const x = (...dims: (number | string)[]) => ({ dims });

const CASES: OnnxCase[] = [
  // Flatten
  { name: 'Flatten axis 0 of a static [2,3,4]', nodes: [nd('Flatten', ['x'], 'y', { axis: 0 })], inputs: { x: x(2, 3, 4) }, outputs: { y: FLOAT } },
  { name: 'Flatten axis 2 of a static [2,3,4]', nodes: [nd('Flatten', ['x'], 'y', { axis: 2 })], inputs: { x: x(2, 3, 4) }, outputs: { y: FLOAT } },
  { name: 'Flatten axis -1 of a static rank-5 value', nodes: [nd('Flatten', ['x'], 'y', { axis: -1 })], inputs: { x: x(2, 1, 3, 2, 2) }, outputs: { y: FLOAT } },
  { name: 'Flatten default axis of a batched [N,3,4]', opset: 9, nodes: [nd('Flatten', ['x'], 'y')], inputs: { x: x('N', 3, 4) }, outputs: { y: FLOAT } },
  { name: 'Flatten axis 3 of a batched [N,1,1,5]', nodes: [nd('Flatten', ['x'], 'y', { axis: 3 })], inputs: { x: x('N', 1, 1, 5) }, outputs: { y: FLOAT } },
  { name: 'Flatten axis 4 of a rank-4 value (all in the first axis)', nodes: [nd('Flatten', ['x'], 'y', { axis: 4 })], inputs: { x: x(2, 3, 1, 2) }, outputs: { y: FLOAT } },
  // Reshape
  { name: 'Reshape batched [N,3,4] by [0,-1]', nodes: [nd('Reshape', ['x', 's'], 'y')], inits: [i64('s', [0, -1])], inputs: { x: x('N', 3, 4) }, outputs: { y: FLOAT } },
  { name: 'Reshape batched [N,6] by [-1,2,3] (-1 is the batch)', nodes: [nd('Reshape', ['x', 's'], 'y')], inits: [i64('s', [-1, 2, 3])], inputs: { x: x('N', 6) }, outputs: { y: FLOAT } },
  { name: 'Reshape a static [2,3,4] to [4,-1] (the first axis changes)', nodes: [nd('Reshape', ['x', 's'], 'y')], inits: [i64('s', [4, -1])], inputs: { x: x(2, 3, 4) }, outputs: { y: FLOAT } },
  { name: 'Reshape a static [1,1] to a scalar', nodes: [nd('Reshape', ['x', 's'], 'y')], inits: [i64('s', [], [0])], inputs: { x: x(1, 1) }, outputs: { y: FLOAT } },
  { name: 'Reshape a scalar to [1,1,1]', nodes: [nd('Reshape', ['x', 's'], 'y')], inits: [i64('s', [1, 1, 1])], inputs: { x: x() }, outputs: { y: FLOAT } },
  { name: 'Reshape with allowzero = 1 (no zeros) at opset 14', opset: 14, nodes: [nd('Reshape', ['x', 's'], 'y', { allowzero: 1 })], inits: [i64('s', [3, 2])], inputs: { x: x(2, 3) }, outputs: { y: FLOAT } },
  {
    name: "Reshape by PyTorch's flatten: Concat(Unsqueeze(Gather(Shape(x), 0)), [-1]) at opset 11",
    opset: 11,
    nodes: [nd('Shape', ['x'], 'sh'), nd('Gather', ['sh', 'zero'], 'n', { axis: 0 }), nd('Unsqueeze', ['n'], 'n1', { axes: [0] }), nd('Concat', ['n1', 'minus1'], 's', { axis: 0 }), nd('Reshape', ['x', 's'], 'y')],
    inits: [i64('zero', [0], []), i64('minus1', [-1])],
    inputs: { x: x('N', 2, 3) },
    outputs: { y: FLOAT },
  },
  {
    name: 'Reshape by a shape computed with Mul / Div / Concat of a static Shape (folded by the interpreter)',
    nodes: [nd('Shape', ['x'], 'sh'), nd('Div', ['sh', 'two'], 'half'), nd('Concat', ['half', 'two'], 's', { axis: 0 }), nd('Reshape', ['x', 's'], 'y')],
    inits: [i64('two', [2])],
    inputs: { x: x(8) },
    outputs: { y: FLOAT },
  },
  // Transpose
  { name: 'Transpose default perm (reversed) of a static rank-3 value', nodes: [nd('Transpose', ['x'], 'y')], inputs: { x: x(2, 3, 4) }, outputs: { y: FLOAT } },
  { name: 'Transpose perm [0,2,1,3] of a batched value', nodes: [nd('Transpose', ['x'], 'y', { perm: [0, 2, 1, 3] })], inputs: { x: x('N', 2, 3, 2) }, outputs: { y: FLOAT } },
  { name: 'Transpose a static rank-5 value', nodes: [nd('Transpose', ['x'], 'y', { perm: [4, 0, 2, 1, 3] })], inputs: { x: x(2, 1, 3, 2, 2) }, outputs: { y: FLOAT } },
  // Squeeze / Unsqueeze
  { name: 'Unsqueeze axes attribute [0, -1] of a static [3] (opset 11)', opset: 11, nodes: [nd('Unsqueeze', ['x'], 'y', { axes: [0, -1] })], inputs: { x: x(3) }, outputs: { y: FLOAT } },
  { name: 'Unsqueeze axes input [1, 3] of a batched [N,2,3] (opset 13)', opset: 13, nodes: [nd('Unsqueeze', ['x', 'a'], 'y')], inits: [i64('a', [1, 3])], inputs: { x: x('N', 2, 3) }, outputs: { y: FLOAT } },
  { name: 'Unsqueeze a scalar', nodes: [nd('Unsqueeze', ['x', 'a'], 'y')], inits: [i64('a', [0])], inputs: { x: x() }, outputs: { y: FLOAT } },
  { name: 'Squeeze without axes of a static [1,3,1,2]', nodes: [nd('Squeeze', ['x'], 'y')], inputs: { x: x(1, 3, 1, 2) }, outputs: { y: FLOAT } },
  { name: 'Squeeze axes attribute [-1] of a batched [N,3,1] (opset 11)', opset: 11, nodes: [nd('Squeeze', ['x'], 'y', { axes: [-1] })], inputs: { x: x('N', 3, 1) }, outputs: { y: FLOAT } },
  { name: 'Squeeze axes input [0] of a static [1,4] (opset 13)', opset: 13, nodes: [nd('Squeeze', ['x', 'a'], 'y')], inits: [i64('a', [0])], inputs: { x: x(1, 4) }, outputs: { y: FLOAT } },
  { name: 'Squeeze a [1] to a scalar', nodes: [nd('Squeeze', ['x'], 'y')], inputs: { x: x(1) }, outputs: { y: FLOAT } },
  // Concat
  { name: 'Concat along axis 0 of static values', nodes: [nd('Concat', ['a', 'b'], 'y', { axis: 0 })], inputs: { a: x(2, 3), b: x(1, 3) }, outputs: { y: FLOAT } },
  { name: 'Concat along axis -1 of batched int32 values', nodes: [nd('Concat', ['a', 'b', 'c'], 'y', { axis: -1 })], inputs: { a: { dims: ['N', 2], type: INT32 }, b: { dims: ['N', 1], type: INT32 }, c: { dims: ['N', 3], type: INT32 } }, outputs: { y: INT32 } },
  { name: 'Concat of a batched value and an initializer along axis 1 (rank 3)', nodes: [nd('Concat', ['a', 'w'], 'y', { axis: 1 })], inits: [f32('w', [1, 2, 3, 4, 5, 6], [1, 3, 2])], inputs: { a: x(1, 2, 2) }, outputs: { y: FLOAT } },
  // Split
  { name: 'Split a static value along axis 0 into equal parts', nodes: [nd('Split', ['x'], ['p', 'q'], { axis: 0 })], inputs: { x: x(4, 3) }, outputs: { p: FLOAT, q: FLOAT } },
  { name: 'Split with the split input (opset 13)', opset: 13, nodes: [nd('Split', ['x', 's'], ['p', 'q'], { axis: -1 })], inits: [i64('s', [1, 4])], inputs: { x: x('N', 5) }, outputs: { p: FLOAT, q: FLOAT } },
  { name: 'Split with the split attribute (opset 11)', opset: 11, nodes: [nd('Split', ['x'], ['p', 'q', 'r'], { axis: 1, split: [2, 1, 1] })], inputs: { x: x('N', 4) }, outputs: { p: FLOAT, q: FLOAT, r: FLOAT } },
  { name: 'Split with num_outputs, uneven (opset 18)', opset: 18, nodes: [nd('Split', ['x'], ['p', 'q', 'r'], { axis: 1, num_outputs: 3 })], inputs: { x: x(2, 7) }, outputs: { p: FLOAT, q: FLOAT, r: FLOAT } },
  // Slice
  { name: 'Slice with attributes (opset 9), negative start', opset: 9, nodes: [nd('Slice', ['x'], 'y', { starts: [-3], ends: [10], axes: [1] })], inputs: { x: x('N', 5) }, outputs: { y: FLOAT } },
  { name: 'Slice with attributes and no axes (opset 9)', opset: 9, nodes: [nd('Slice', ['x'], 'y', { starts: [1, 0], ends: [3, 2] })], inputs: { x: x(4, 3) }, outputs: { y: FLOAT } },
  {
    name: 'Slice inputs with steps 2 and clamped INT64_MAX ends (opset 13)',
    opset: 13,
    nodes: [nd('Slice', ['x', 's', 'e', 'a', 'st'], 'y')],
    inits: [i64('s', [0, 1]), i64('e', [INT64_MAX, INT64_MAX]), i64('a', [1, 2]), i64('st', [2, 2])],
    inputs: { x: x('N', 5, 4) },
    outputs: { y: FLOAT },
  },
  {
    name: 'Slice with a negative step (reversal) and negative axes',
    nodes: [nd('Slice', ['x', 's', 'e', 'a', 'st'], 'y')],
    inits: [i64('s', [-1]), i64('e', [-INT64_MAX]), i64('a', [-1]), i64('st', [-1])],
    inputs: { x: x(3, 4) },
    outputs: { y: FLOAT },
  },
  {
    name: 'Slice with a negative step of -2 from 3 to 0 on axis 0',
    nodes: [nd('Slice', ['x', 's', 'e', 'a', 'st'], 'y')],
    inits: [i64('s', [3]), i64('e', [0]), i64('a', [0]), i64('st', [-2])],
    inputs: { x: x(5, 2) },
    outputs: { y: FLOAT },
  },
  { name: 'Slice keeps the whole batch axis', nodes: [nd('Slice', ['x', 's', 'e'], 'y')], inits: [i64('s', [0, 1]), i64('e', [INT64_MAX, 3])], inputs: { x: x('N', 4) }, outputs: { y: FLOAT } },
  // Gather
  { name: 'Gather axis 0 of a static value with negative indices', nodes: [nd('Gather', ['x', 'i'], 'y', { axis: 0 })], inits: [i64('i', [-1, 0, 2, -3])], inputs: { x: x(3, 2) }, outputs: { y: FLOAT } },
  { name: 'Gather axis 2 of a batched value by 2-D indices', nodes: [nd('Gather', ['x', 'i'], 'y', { axis: 2 })], inits: [i64('i', [0, 3, 3, 1], [2, 2])], inputs: { x: x('N', 2, 4) }, outputs: { y: FLOAT } },
  { name: 'Gather a rank-0 index along axis -1', nodes: [nd('Gather', ['x', 'i'], 'y', { axis: -1 })], inits: [i64('i', [1], [])], inputs: { x: x('N', 3) }, outputs: { y: FLOAT } },
  {
    name: 'Gather rows of a table by batched INT64 indices (an embedding lookup)',
    nodes: [nd('Gather', ['w', 'i'], 'y')],
    inits: [f32('w', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [5, 2])],
    inputs: { i: { dims: ['N', 3], type: INT64, values: [0, 4, -1, 2, 2, 3] } },
    outputs: { y: FLOAT },
  },
  { name: 'Gather of int32 data by int32 indices', nodes: [nd('Gather', ['x', 'i'], 'y', { axis: 1 })], inputs: { x: { dims: [2, 3], type: INT32 }, i: { dims: [2], type: INT32, values: [2, -3] } }, outputs: { y: INT32 } },
  // Expand / Tile
  { name: 'Expand [3,1] to [2,3,4]', nodes: [nd('Expand', ['x', 's'], 'y')], inits: [i64('s', [2, 3, 4])], inputs: { x: x(3, 1) }, outputs: { y: FLOAT } },
  { name: 'Expand a batched [N,1,3] by [1,2,1]', nodes: [nd('Expand', ['x', 's'], 'y')], inits: [i64('s', [1, 2, 1])], inputs: { x: x('N', 1, 3) }, outputs: { y: FLOAT } },
  { name: 'Expand a batched value by Shape of another (the batch size)', nodes: [nd('Shape', ['z'], 's'), nd('Expand', ['x', 's'], 'y')], inputs: { x: x('N', 1, 3), z: x('N', 4, 1) }, outputs: { y: FLOAT } },
  { name: 'Tile a static [2,3] by [2,2]', nodes: [nd('Tile', ['x', 'r'], 'y')], inits: [i64('r', [2, 2])], inputs: { x: x(2, 3) }, outputs: { y: FLOAT } },
  { name: 'Tile a batched int32 [N,2] by [1,3]', nodes: [nd('Tile', ['x', 'r'], 'y')], inits: [i64('r', [1, 3])], inputs: { x: { dims: ['N', 2], type: INT32 } }, outputs: { y: INT32 } },
  // Pad with pads from a Constant node and a frozen input
  {
    name: 'Pad reflect with pads from a Constant node (opset 11)',
    opset: 11,
    nodes: [nd('Constant', [], 'p', { value: i64('', [0, 2, 0, 1]) }), nd('Pad', ['x', 'p'], 'y', { mode: 'reflect' })],
    inputs: { x: x('N', 4) },
    outputs: { y: FLOAT },
  },
  {
    name: 'Pad edge with the axes input (opset 18)',
    opset: 18,
    nodes: [nd('Pad', ['x', 'p', '', 'a'], 'y', { mode: 'edge' })],
    inits: [i64('p', [1, 2]), i64('a', [-1])],
    inputs: { x: x(2, 3) },
    outputs: { y: FLOAT },
  },
  { name: 'Pad an int32 value with zeros and negative pads (opset 13)', opset: 13, nodes: [nd('Pad', ['x', 'p'], 'y')], inits: [i64('p', [0, 2, 0, -1])], inputs: { x: { dims: ['N', 3], type: INT32 } }, outputs: { y: INT32 } },
  // Identity, Dropout
  { name: 'Identity of an int32 value', nodes: [nd('Identity', ['x'], 'y')], inputs: { x: { dims: ['N', 3], type: INT32 } }, outputs: { y: INT32 } },
  { name: 'Dropout with ratio attribute (opset 7)', opset: 7, nodes: [nd('Dropout', ['x'], 'y', { ratio: 0.3 })], inputs: { x: x('N', 3) }, outputs: { y: FLOAT } },
  {
    name: 'Dropout with ratio and training_mode false inputs, and its mask (opset 13)',
    opset: 13,
    nodes: [nd('Dropout', ['x', 'r', 't'], ['y', 'm'])],
    inits: [f32('r', [0.5], []), tensor('t', BOOL, [], [0])],
    inputs: { x: x('N', 3) },
    outputs: { y: FLOAT, m: BOOL },
  },
  { name: 'Dropout mask of a static value', nodes: [nd('Dropout', ['x'], ['y', 'm'])], inputs: { x: x(2, 2) }, outputs: { y: FLOAT, m: BOOL } },
  // Cast: every pair of FLOAT, INT32, INT64, BOOL
  ...[FLOAT, INT32, INT64, BOOL].flatMap((from) =>
    [FLOAT, INT32, INT64, BOOL].map(
      (to): OnnxCase => ({
        name: `Cast ${DataType[from]} to ${DataType[to]}`,
        nodes: [nd('Cast', ['x'], 'y', { to })],
        inputs: { x: { dims: ['N', 6], type: from, values: from === FLOAT ? [2.7, -2.7, 0, -0.5, 100.25, 7, 1, 0, -3.5, 0.25, 1e6, -1e6] : from === BOOL ? [1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0] : [3, -3, 0, 7, -100, 1, 2, 0, -1, 5, 65536, -7] } },
        outputs: { y: to },
      }),
    ),
  ),
  { name: 'Cast of a folded shape (Shape -> Cast FLOAT) added to a static value', nodes: [nd('Shape', ['x'], 's'), nd('Cast', ['s'], 'f', { to: FLOAT }), nd('Add', ['x', 'f'], 'y')], inputs: { x: x(3, 2) }, outputs: { y: FLOAT } },
  // Constant, ConstantOfShape, Shape, Size, Range
  {
    name: 'Constant value, value_float, value_floats, value_int, value_ints',
    nodes: [
      nd('Constant', [], 'c1', { value: f32('', [1, 2, 3, 4, 5, 6], [2, 3]) }),
      nd('Constant', [], 'c2', { value_float: 0.5 }),
      nd('Constant', [], 'c3', { value_floats: [1.5, -2.25, 3] }),
      nd('Add', ['x', 'c1'], 'a'),
      nd('Mul', ['a', 'c2'], 'b'),
      nd('Add', ['b', 'c3'], 'y'),
      nd('Constant', [], 'k1', { value_int: 3 }),
      nd('Constant', [], 'k2', { value_ints: [1, -2, 3] }),
      nd('Add', ['i', 'k1'], 'j'),
      nd('Mul', ['j', 'k2'], 'z'),
    ],
    inputs: { x: x('N', 2, 3), i: { dims: ['N', 3], type: INT64 } },
    outputs: { y: FLOAT, z: INT64 },
  },
  { name: 'ConstantOfShape of a static Shape (default FLOAT 0) plus x', nodes: [nd('Shape', ['x'], 's'), nd('ConstantOfShape', ['s'], 'c'), nd('Add', ['x', 'c'], 'y')], inputs: { x: x(2, 3) }, outputs: { y: FLOAT } },
  { name: 'ConstantOfShape with an INT64 value', nodes: [nd('ConstantOfShape', ['s'], 'c', { value: i64('', [7], [1]) }), nd('Add', ['i', 'c'], 'y')], inits: [i64('s', [2, 2])], inputs: { i: { dims: [2, 2], type: INT64 } }, outputs: { y: INT64 } },
  { name: 'Shape with start and end (opset 15) as a Reshape target', opset: 15, nodes: [nd('Shape', ['z'], 's', { start: 1, end: -1 }), nd('Reshape', ['x', 's'], 'y')], inputs: { x: x(6), z: x('N', 2, 3, 5) }, outputs: { y: FLOAT } },
  { name: 'Shape with a negative start (opset 19)', opset: 19, nodes: [nd('Shape', ['z'], 's', { start: -2 }), nd('Reshape', ['x', 's'], 'y')], inputs: { x: x(6), z: x(4, 2, 3) }, outputs: { y: FLOAT } },
  { name: 'Size of a static value as a Reshape target', nodes: [nd('Size', ['x'], 'n'), nd('Unsqueeze', ['n', 'zero'], 's'), nd('Reshape', ['x', 's'], 'y')], inits: [i64('zero', [0])], inputs: { x: x(2, 3) }, outputs: { y: FLOAT } },
  { name: 'Range of floats added to x', nodes: [nd('Range', ['a', 'b', 'd'], 'r'), nd('Add', ['x', 'r'], 'y')], inits: [f32('a', [0.5], []), f32('b', [2.1], []), f32('d', [0.3], [])], inputs: { x: x('N', 6) }, outputs: { y: FLOAT } },
  { name: 'Range of int64 with a negative delta', nodes: [nd('Range', ['a', 'b', 'd'], 'r'), nd('Add', ['i', 'r'], 'y')], inits: [i64('a', [10], []), i64('b', [1], []), i64('d', [-3], [])], inputs: { i: { dims: ['N', 3], type: INT64 } }, outputs: { y: INT64 } },
  // bool values: the interpreter computes them; the wasm copy kernels move 4-byte words (refused below).
  ...(
    [
      ['Reshape', [nd('Reshape', ['x', 's'], 'y')], [i64('s', [3, 2])]],
      ['Transpose', [nd('Transpose', ['x'], 'y')], []],
      ['Concat', [nd('Concat', ['x', 'x'], 'y', { axis: 0 })], []],
      ['Gather', [nd('Gather', ['x', 'i'], 'y', { axis: 1 })], [i64('i', [2, 0])]],
      ['Slice', [nd('Slice', ['x', 's', 'e', 'a', 'st'], 'y')], [i64('s', [-1]), i64('e', [-10]), i64('a', [1]), i64('st', [-2])]],
    ] as const
  ).map(
    ([op, nodes, inits]): OnnxCase => ({
      name: `${op} of a bool [2,3]`,
      nodes: [...nodes],
      inits: [...inits],
      inputs: { x: { dims: [2, 3], type: BOOL } },
      outputs: { y: BOOL },
      interpreterOnly: 'bool is one byte per element; the wasm copy kernels move 4-byte words',
    }),
  ),
  // Rank 0 to 5 through one op each
  { name: 'Identity of a rank-0 value', nodes: [nd('Identity', ['x'], 'y')], inputs: { x: x() }, outputs: { y: FLOAT } },
  { name: 'Concat of rank-5 values along axis 3', nodes: [nd('Concat', ['a', 'b'], 'y', { axis: 3 })], inputs: { a: x('N', 1, 2, 2, 3), b: x('N', 1, 2, 1, 3) }, outputs: { y: FLOAT } },
  { name: 'Slice a rank-5 value on two axes', nodes: [nd('Slice', ['x', 's', 'e', 'a'], 'y')], inits: [i64('s', [1, 0]), i64('e', [3, -1]), i64('a', [2, 4])], inputs: { x: x(2, 1, 3, 2, 4) }, outputs: { y: FLOAT } },
  // --freeze and --shape (library options)
  { name: 'Reshape whose target is a frozen graph input', nodes: [nd('Reshape', ['x', 's'], 'y')], inputs: { x: x('N', 6), s: { dims: [3], type: INT64 } }, outputs: { y: FLOAT }, options: { freeze: { s: { values: [0, 3, 2] } } } },
  { name: 'an input with a symbolic second axis given by --shape', nodes: [nd('Flatten', ['x'], 'y')], inputs: { x: { dims: ['N', 'T', 2], fed: [2, 3, 2] } }, outputs: { y: FLOAT }, options: { shapes: { x: [null, 3, 2] } } },
];

describe('ONNX shape operators equal onnxruntime through the interpreter', () => {
  for (const c of CASES) it(c.name, () => checkInterpreter(c));
});

describe('ONNX shape operators equal onnxruntime through the wasm and WebGPU bundles (cases merged per opset)', () => {
  const opsets = [...new Set(CASES.map((c) => c.opset ?? 17))].sort((a, b) => a - b);
  it.each(opsets)('opset %i: wasm bundle, SIMD and scalar', (opset) => checkWasm(CASES.filter((c) => (c.opset ?? 17) === opset)));
  it('webgpu bundle on Dawn (the f32 cases of every opset)', async () => {
    let ran = 0;
    for (const opset of opsets) ran += await checkWebGpu(CASES.filter((c) => (c.opset ?? 17) === opset));
    expect(ran).toBeGreaterThan(40);
  });
});

describe('shape computations fold at import', () => {
  it("PyTorch's flatten pattern leaves no Shape / Gather / Concat in the IR: one reshape", () => {
    const c = CASES.find((k) => k.name.startsWith("Reshape by PyTorch's flatten"))!;
    const text = printGraph(loadOnnxGraph(writeCase(c)));
    expect(text).toMatch(/reshape %x \{shape=\[6\]\}/);
    expect(text).not.toMatch(/gather|concat|const/);
  });
});

describe('ONNX shape operators nnc refuses, by name', () => {
  const refused = (c: Omit<OnnxCase, 'outputs'> & { outputs?: OnnxCase['outputs'] }, text: RegExp, code = 'NNC6001') => {
    const e = catchNnc(() => loadOnnxGraph(writeCase({ outputs: { y: FLOAT }, ...c }), c.options));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(text);
  };
  it('a Reshape target that is a graph input names it and suggests --freeze', () =>
    refused({ name: '', nodes: [nd('Reshape', ['x', 's'], 'y')], inputs: { x: x('N', 6), s: { dims: [2], type: INT64 } } }, /the target shape \('s'\) must be known when the model is built: it is a graph input, so give its value with --freeze s=VALUES/));
  it('Squeeze without axes of a batched value', () => refused({ name: '', nodes: [nd('Squeeze', ['x'], 'y')], inputs: { x: x('N', 1) } }, /would squeeze the batch axis/));
  it('Size of a batched value', () =>
    refused({ name: '', nodes: [nd('Size', ['x'], 'n'), nd('Cast', ['n'], 'f', { to: FLOAT }), nd('Add', ['x', 'f'], 'y')], inputs: { x: x('N', 2) } }, /depends on the batch size/));
  it('arithmetic on the batch size', () =>
    refused(
      { name: '', nodes: [nd('Shape', ['x'], 's'), nd('Mul', ['s', 'two'], 'd'), nd('Reshape', ['x', 'd'], 'y')], inits: [i64('two', [2, 1])], inputs: { x: x('N', 2) } },
      /value 's' holds the batch size, which is known only when the model runs/,
    ));
  it('Gather along the batch axis', () => refused({ name: '', nodes: [nd('Gather', ['x', 'i'], 'y')], inits: [i64('i', [0])], inputs: { x: x('N', 2) } }, /Gather attribute axis = 0 is the batch axis, which nnc does not gather along/));
  it('Concat along the batch axis', () => refused({ name: '', nodes: [nd('Concat', ['x', 'x'], 'y', { axis: 0 })], inputs: { x: x('N', 2) } }, /Concat attribute axis = 0 is the batch axis/));
  it('Slice of the batch axis', () => refused({ name: '', nodes: [nd('Slice', ['x', 's', 'e'], 'y')], inits: [i64('s', [1]), i64('e', [2])], inputs: { x: x('N', 2) } }, /slices the batch axis/));
  it('a Constant string and a sparse Constant', () => {
    refused({ name: '', nodes: [nd('Constant', [], 'y', { value_string: 'a' })], inputs: {} }, /Constant attribute value_string = "a" is not supported: nnc computes FLOAT, INT32, INT64 and BOOL values \(no strings\)/);
  });
  it('a sparse Constant, a training_mode that is true, a graph output known at build time', () => {
    const sparse = nd('Constant', [], 'y');
    sparse.attribute = [onnx.AttributeProto.create({ name: 'sparse_value', type: onnx.AttributeProto.AttributeType.SPARSE_TENSOR })];
    refused({ name: '', nodes: [sparse], inputs: {} }, /Constant attribute sparse_value = .* is not supported: .*no sparse tensors/);
    refused({ name: '', nodes: [nd('Dropout', ['x', '', 't'], 'y')], inits: [tensor('t', BOOL, [], [1])], inputs: { x: x('N', 2) } }, /training_mode \('t'\) is true; nnc runs Dropout at inference/);
    refused({ name: '', nodes: [nd('Shape', ['x'], 'y')], inputs: { x: x(2, 3) }, outputs: { y: INT64 } }, /graph output 'y' is known when the model is built/);
  });
  it('the wasm bundle refuses a bool value reaching a copy kernel, by name', async () => {
    const c = CASES.find((k) => k.name === 'Concat of a bool [2,3]')!;
    await expect(checkWasm([{ ...c, interpreterOnly: undefined }])).rejects.toThrow(/'concat' has a wasm kernel for f32 and i32 only; it gets bool, bool, bool/);
  });
  it('a Transpose that moves the batch axis, a Reshape copying an axis the input lacks, a non-zero Pad of int32', () => {
    refused({ name: '', nodes: [nd('Transpose', ['x'], 'y')], inputs: { x: x('N', 2) } }, /Transpose attribute perm = \[1,0\] moves the batch axis of \[\?,2\] from first/);
    refused({ name: '', nodes: [nd('Reshape', ['x', 's'], 'y')], inits: [i64('s', [2, 3, 0])], inputs: { x: x(6) } }, /target entry 2 is 0 \(copy the input's size\) but the input \[6\] has no axis 2/);
    refused({ name: '', nodes: [nd('Pad', ['x', 'p', 'v'], 'y')], inits: [i64('p', [0, 1]), tensor('v', INT32, [], [7])], inputs: { x: { dims: [3], type: INT32 } }, outputs: { y: INT32 } }, /a constant_value of 7 for a i32 value is not supported/);
  });
  it('an op of an unknown domain', () => {
    const n = nd('Frob', ['x'], 'y');
    n.domain = 'com.example';
    refused({ name: '', nodes: [n], inputs: { x: x('N', 2) } }, /ONNX op com\.example\.Frob/);
  });
  it('a symbolic second axis names --shape in its hint', () => {
    const e = catchNnc(() => loadOnnxGraph(writeCase({ name: '', nodes: [nd('Relu', ['x'], 'y')], inputs: { x: x('N', 'T') }, outputs: { y: FLOAT } })));
    expect(e.message).toMatch(/symbolic axis 1 \('T'\)/);
    expect(e.hint).toMatch(/--shape x=\?,SIZE/);
  });
  it('--freeze of a name that is not an input', () => {
    const e = catchNnc(() => loadOnnxGraph(writeCase({ name: '', nodes: [nd('Relu', ['x'], 'y')], inputs: { x: x('N', 2) }, outputs: { y: FLOAT } }), { freeze: { s: { values: [1] } } }));
    expect(e.code).toBe('NNC6002');
    expect(e.message).toMatch(/--freeze names 's', which is not an input/);
  });
});
