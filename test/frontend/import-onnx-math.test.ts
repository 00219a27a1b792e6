/**
 * ONNX's math operators against onnxruntime-web: every attribute variant and input form of
 * opsets 7-25 nnc reads (attributes that became inputs, both forms; ranks 0-5; negative axes;
 * broadcasting; FLOAT, INT32, INT64 and BOOL where the operator takes them), through the
 * interpreter, the wasm bundle (SIMD and scalar) and, for all-float graphs, the WebGPU bundle.
 *
 * To keep the file fast, cases are merged into one model per (opset, backend set): each case's
 * values are renamed apart, so one build serves dozens of cases and every case keeps its own
 * inputs and outputs. Tolerance: |a − e| ≤ 1e-7 + 1e-3·|e| for floats (ONNX's backend-test rule),
 * exact for integers and bools. What nnc does not compute is refused by name (last block).
 */
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NncError, NncErrorList } from '../../src/errors.js';
import { loadOnnxGraph } from '../../src/frontend/import/onnx.js';
import { Random } from '../../src/frontend/random.js';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { optimize } from '../../src/passes/index.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { DataType, node, tensor, valueInfo, writeOnnxModel, type AttrValue, type Dims } from '../helpers/onnx-model.js';
import { onnxSession, ort } from '../helpers/onnxruntime.js';
import { buildWebGpuBundle, dawnGpu } from '../helpers/webgpu.js';
import { buildWasmBundle } from '../wasm/bundle-helpers.js';
import { removeTempDirs } from '../wasm/temp.js';

const { FLOAT, INT32, INT64, BOOL } = DataType;
type NodeProto = ReturnType<typeof node>;
type TensorProto = ReturnType<typeof tensor>;

interface Input {
  readonly type?: number;
  /** A string axis is the batch (fed with BATCH rows). */
  readonly dims: Dims;
  /** Values as fed; random when absent (floats in [-2, 2], or [0.1, 3] when `positive`; integers in [-9, 9]). */
  readonly values?: number[];
  readonly positive?: boolean;
}
interface Case {
  readonly name: string;
  readonly nodes: NodeProto[];
  readonly inputs: Record<string, Input>;
  readonly inits?: TensorProto[];
  /** Output names and element types. */
  readonly outputs: Record<string, number>;
  readonly opset?: number;
  /** False where the WebGPU backend has no kernel for an all-float graph (a matmul by a computed B). */
  readonly gpu?: boolean;
}

const BATCH = 3;
const rng = new Random(15);
const f = (dims: Dims, extra: Partial<Input> = {}): Input => ({ dims, ...extra });
const typed = (type: number, dims: Dims, values?: number[]): Input => ({ type, dims, ...(values ? { values } : {}) });
/** A case of one node reading inputs `x`, `y`, ... and writing `z`. */
const one = (name: string, opType: string, inputs: Record<string, Input>, attrs: Record<string, AttrValue> = {}, extra: Partial<Case> = {}): Case => ({
  name,
  nodes: [node(opType, Object.keys(inputs).concat(extra.inits?.map((t) => t.name!) ?? []), 'z', attrs)],
  inputs,
  outputs: { z: extra.outputs?.z ?? FLOAT },
  ...extra,
});
/** `n` with a FLOAT attribute of an integral value (the helper writes integers as INT). */
function floatAttr(n: NodeProto, name: string, value: number): NodeProto {
  const { onnx } = onnxProto;
  n.attribute!.push(onnx.AttributeProto.create({ name, f: value, type: onnx.AttributeProto.AttributeType.FLOAT }));
  return n;
}
const X = f([2, 3, 4]);
const P = f([2, 3, 4], { positive: true });

// ---------------------------------------------------------------------------------------------
// One operand: math and activations, each on a static [2,3,4] value and a batched ['N', 5] one.

const UNARY: [string, Record<string, AttrValue>, number?, Input?][] = [
  ['Abs', {}], ['Neg', {}], ['Sign', {}, 13], ['Exp', {}], ['Log', {}, 13, P], ['Sqrt', {}, 13, P], ['Reciprocal', {}, 13, P],
  ['Erf', {}, 13], ['Floor', {}, 13], ['Ceil', {}, 13], ['Relu', {}], ['Sigmoid', {}], ['Tanh', {}], ['Softplus', {}], ['Softsign', {}],
  ['HardSwish', {}, 14], ['Elu', {}], ['Elu', { alpha: 0.5 }], ['Selu', {}], ['Selu', { alpha: 1.5, gamma: 2.5 }], ['Celu', {}, 12], ['Celu', { alpha: 2.5 }, 12],
  ['LeakyRelu', {}], ['LeakyRelu', { alpha: 0.3 }], ['HardSigmoid', {}], ['HardSigmoid', { alpha: 0.4, beta: 0.3 }],
  ['Gelu', {}, 20], ['Gelu', { approximate: 'none' }, 20], ['Gelu', { approximate: 'tanh' }, 20],
];
const unaryCases: Case[] = UNARY.flatMap(([op, attrs, opset = 7, input = X]) => [
  one(`${op} ${JSON.stringify(attrs)} [2,3,4]`, op, { x: input }, attrs, { opset }),
  one(`${op} ${JSON.stringify(attrs)} [N,5]`, op, { x: { ...input, dims: ['N', 5] } }, attrs, { opset }),
]);

const ranks: Case[] = [
  one('Exp of a rank-0 value', 'Exp', { x: f([]) }),
  one('Abs of a rank-1 value', 'Abs', { x: f([7]) }),
  one('Neg of a rank-5 value', 'Neg', { x: f([2, 1, 3, 2, 2]) }),
  one('Sigmoid of a batched rank-5 value', 'Sigmoid', { x: f(['N', 2, 1, 3, 2]) }),
];

const integerUnary: Case[] = [
  ...['Abs', 'Neg', 'Sign'].flatMap((op) => [
    one(`${op} INT32`, op, { x: typed(INT32, [2, 5]) }, {}, { opset: 13, outputs: { z: INT32 } }),
    one(`${op} INT64`, op, { x: typed(INT64, ['N', 4]) }, {}, { opset: 13, outputs: { z: INT64 } }),
  ]),
  one('Relu INT32 (opset 14)', 'Relu', { x: typed(INT32, [3, 4]) }, {}, { opset: 14, outputs: { z: INT32 } }),
  one('Not', 'Not', { x: typed(BOOL, [2, 3]) }, {}, { outputs: { z: BOOL } }),
];

/** Values on the bounds and beyond them, so that a bound must hold. */
const SPREAD = f([3, 4], { values: [-3, -1.5, -1, -0.5, 0, 0.25, 0.5, 1, 1.5, 2, 3, -2] });
const clipCases: Case[] = [
  one('Clip opset 7 min and max attributes', 'Clip', { x: SPREAD }, { min: -1.5, max: 0.5 }),
  one('Clip opset 7 min only', 'Clip', { x: SPREAD }, { min: -0.5 }),
  one('Clip opset 7 no bounds', 'Clip', { x: SPREAD }),
  {
    name: 'Clip opset 11 min and max inputs',
    nodes: [node('Clip', ['x', 'lo', 'hi'], 'z')],
    inputs: { x: SPREAD },
    inits: [tensor('lo', FLOAT, [], [-1]), tensor('hi', FLOAT, [], [1.5])],
    outputs: { z: FLOAT },
    opset: 11,
  },
  { name: 'Clip opset 13 max only (min left out)', nodes: [node('Clip', ['x', '', 'hi'], 'z')], inputs: { x: SPREAD }, inits: [tensor('hi', FLOAT, [], [0.5])], outputs: { z: FLOAT }, opset: 13 },
  { name: 'Clip opset 13 min as a graph input', nodes: [node('Clip', ['x', 'lo'], 'z')], inputs: { x: SPREAD, lo: f([], { values: [0.25] }) }, outputs: { z: FLOAT }, opset: 13 },
  { name: 'Clip opset 13 min greater than max gives max', nodes: [node('Clip', ['x', 'lo', 'hi'], 'z')], inputs: { x: SPREAD }, inits: [tensor('lo', FLOAT, [], [1]), tensor('hi', FLOAT, [], [0])], outputs: { z: FLOAT }, opset: 13 },
  { name: 'Clip opset 13 INT32', nodes: [node('Clip', ['x', 'lo', 'hi'], 'z')], inputs: { x: typed(INT32, [3, 4]) }, inits: [tensor('lo', INT32, [], [-2]), tensor('hi', INT32, [], [5])], outputs: { z: INT32 }, opset: 13 },
];

// ---------------------------------------------------------------------------------------------
// Two or more operands, numpy broadcasting.

const SHAPE_PAIRS: [Dims, Dims][] = [
  [[2, 3, 4], [4]],
  [[2, 3, 4], [3, 1]],
  [[2, 1, 4], [3, 1]],
  [[], [2, 3]],
  [['N', 3], [3]],
  [['N', 2, 3], ['N', 1, 3]],
];
const binaryCases: Case[] = ['Add', 'Sub', 'Mul', 'Div'].flatMap((op) =>
  SHAPE_PAIRS.map(([a, b]) => one(`${op} ${JSON.stringify(a)} ${JSON.stringify(b)}`, op, { x: f(a), y: f(b, op === 'Div' ? { positive: true } : {}) })),
);
const integerBinary: Case[] = [
  one('Div INT32 truncates toward zero', 'Div', { x: typed(INT32, [2, 4], [-7, 7, -7, 7, 9, 0, 5, -1]), y: typed(INT32, [4], [2, -2, 3, 4]) }, {}, { outputs: { z: INT32 } }),
  one('Div INT64 broadcasting', 'Div', { x: typed(INT64, ['N', 4]), y: typed(INT64, [], [3]) }, {}, { outputs: { z: INT64 } }),
  one('Sub INT64', 'Sub', { x: typed(INT64, [3, 4]), y: typed(INT64, [4]) }, {}, { outputs: { z: INT64 } }),
  one('Mul INT32', 'Mul', { x: typed(INT32, [3, 1]), y: typed(INT32, [1, 5]) }, {}, { outputs: { z: INT32 } }),
];

const powCases: Case[] = [
  one('Pow opset 7 positive base, float exponent', 'Pow', { x: P, y: f([4]) }),
  one('Pow opset 13 negative base, integral float exponents', 'Pow', { x: X, y: f([4], { values: [2, 3, -1, 0] }) }, {}, { opset: 13 }),
  one('Pow opset 13 float base, INT64 exponent', 'Pow', { x: X, y: typed(INT64, [3, 1], [2, 3, -2]) }, {}, { opset: 13 }),
  one('Pow opset 15 float base, INT32 scalar exponent', 'Pow', { x: f(['N', 4]), y: typed(INT32, [], [3]) }, {}, { opset: 15 }),
  one('Pow rank 0 ^ rank 0', 'Pow', { x: f([], { positive: true }), y: f([]) }, {}, { opset: 13 }),
];

const variadicCases: Case[] = ['Max', 'Min', 'Sum', 'Mean'].flatMap((op) => [
  one(`${op} of one operand`, op, { x: X }, {}, { opset: 13 }),
  one(`${op} opset 7 of three operands of one shape`, op, { x: f([3, 4]), y: f([3, 4]), w: f([3, 4]) }, {}, { opset: 7 }),
  one(`${op} opset 8 broadcasting`, op, { x: X, y: f([4]), w: f([3, 1]) }, {}, { opset: 8 }),
  one(`${op} opset 13 batched and static`, op, { x: f(['N', 4]), y: f([4]) }, {}, { opset: 13 }),
]);
const integerVariadic: Case[] = ['Max', 'Min'].map((op) => one(`${op} INT32 broadcasting`, op, { x: typed(INT32, [3, 4]), y: typed(INT32, [4]), w: typed(INT32, []) }, {}, { opset: 13, outputs: { z: INT32 } }));

const TIES = [1, 2, 2, 0, -1, 0, 5, 5];
const compareCases: Case[] = [
  ...['Equal', 'Less', 'Greater'].flatMap((op) => [
    one(`${op} FLOAT broadcasting`, op, { x: f([2, 4], { values: TIES }), y: f([4], { values: [2, 0, 5, -1] }) }, {}, { opset: 11, outputs: { z: BOOL } }),
    one(`${op} INT64 batched`, op, { x: typed(INT64, ['N', 4]), y: typed(INT64, [4]) }, {}, { opset: 13, outputs: { z: BOOL } }),
  ]),
  ...['LessOrEqual', 'GreaterOrEqual'].flatMap((op) => [
    one(`${op} FLOAT broadcasting`, op, { x: f([2, 4], { values: TIES }), y: f([4], { values: [2, 0, 5, -1] }) }, {}, { opset: 12, outputs: { z: BOOL } }),
    one(`${op} INT32`, op, { x: typed(INT32, [3, 4]), y: typed(INT32, [3, 1]) }, {}, { opset: 16, outputs: { z: BOOL } }),
  ]),
  one('Equal BOOL (opset 11)', 'Equal', { x: typed(BOOL, [2, 3]), y: typed(BOOL, [3]) }, {}, { opset: 11, outputs: { z: BOOL } }),
  ...['And', 'Or', 'Xor'].map((op) => one(`${op} broadcasting`, op, { x: typed(BOOL, [2, 1, 4]), y: typed(BOOL, [3, 1]) }, {}, { outputs: { z: BOOL } })),
  one('Where FLOAT branches, all three broadcasting', 'Where', { c: typed(BOOL, [3, 1]), x: f([2, 3, 4]), y: f([4]) }, {}, { opset: 9 }),
  // (onnxruntime-web has Where for float branches only: integer and bool branches have no oracle here.)
  {
    name: 'Where of a Less: a float chain through a bool',
    nodes: [node('Less', ['x', 'y'], 'c'), node('Where', ['c', 'x', 'y'], 'z')],
    inputs: { x: X, y: f([4]) },
    outputs: { z: FLOAT },
    opset: 13,
  },
];

const preluCases: Case[] = [
  { name: 'PRelu slope [4] broadcast to [2,3,4]', nodes: [node('PRelu', ['x', 's'], 'z')], inputs: { x: X }, inits: [tensor('s', FLOAT, [4], [0.1, 0.2, -0.3, 2])], outputs: { z: FLOAT } },
  { name: 'PRelu slope [3,1]', nodes: [node('PRelu', ['x', 's'], 'z')], inputs: { x: X }, inits: [tensor('s', FLOAT, [3, 1], [0.1, 0.5, 1.5])], outputs: { z: FLOAT }, opset: 16 },
  one('PRelu slope a scalar graph input, batched x', 'PRelu', { x: f(['N', 5]), s: f([]) }, {}, { opset: 9 }),
];

// ---------------------------------------------------------------------------------------------
// Products, softmax, reductions, ArgMax / ArgMin.

const W = (name: string, dims: number[]) => tensor(name, FLOAT, dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)));
const productCases: Case[] = [
  { name: 'MatMul [2,3,4] x initializer [4,5]', nodes: [node('MatMul', ['x', 'w'], 'z')], inputs: { x: X }, inits: [W('w', [4, 5])], outputs: { z: FLOAT } },
  { name: 'MatMul batched [N,4] x initializer [4,6]', nodes: [node('MatMul', ['x', 'w'], 'z')], inputs: { x: f(['N', 4]) }, inits: [W('w', [4, 6])], outputs: { z: FLOAT } },
  one('MatMul stacks broadcasting [2,1,3,4] x [3,4,2]', 'MatMul', { x: f([2, 1, 3, 4]), y: f([3, 4, 2]) }, {}, { gpu: false }),
  one('MatMul 1-D x 2-D', 'MatMul', { x: f([4]), y: f([4, 3]) }, {}, { gpu: false }),
  one('MatMul 2-D x 1-D', 'MatMul', { x: f([3, 4]), y: f([4]) }, {}, { gpu: false }),
  one('MatMul 1-D x 1-D', 'MatMul', { x: f([4]), y: f([4]) }, {}, { gpu: false }),
  { name: 'Gemm with C [5]', nodes: [node('Gemm', ['x', 'w', 'c'], 'z')], inputs: { x: f(['N', 4]) }, inits: [W('w', [4, 5]), W('c', [5])], outputs: { z: FLOAT } },
  { name: 'Gemm transB, alpha, beta, C [3,1]', nodes: [node('Gemm', ['x', 'w', 'c'], 'z', { transB: 1, alpha: 0.5, beta: 2.5 })], inputs: { x: f([3, 4]) }, inits: [W('w', [5, 4]), W('c', [3, 1])], outputs: { z: FLOAT } },
  { name: 'Gemm transA of a static input, scalar C', nodes: [node('Gemm', ['x', 'w', 'c'], 'z', { transA: 1 })], inputs: { x: f([4, 3]) }, inits: [W('w', [4, 5]), W('c', [])], outputs: { z: FLOAT } },
  { name: 'Gemm transA and transB of computed matrices, no C (opset 11)', nodes: [node('Gemm', ['x', 'y'], 'z', { transA: 1, transB: 1, alpha: 1.5 })], inputs: { x: f([4, 3]), y: f([5, 4]) }, outputs: { z: FLOAT }, opset: 11, gpu: false },
  { name: 'Gemm transA of an initializer, beta 0 ignores C', nodes: [floatAttr(node('Gemm', ['w', 'x', 'c'], 'z', { transA: 1 }), 'beta', 0)], inputs: { x: f([4, 5]) }, inits: [W('w', [4, 3]), W('c', [3, 5])], outputs: { z: FLOAT }, gpu: false },
];

const softmaxCases: Case[] = ['Softmax', 'LogSoftmax'].flatMap((op) => [
  ...[0, 1, 2, -1, -3].map((axis) => one(`${op} opset 11 axis ${axis} of [2,3,4] (2-D coercion)`, op, { x: X }, { axis }, { opset: 11 })),
  one(`${op} opset 11 default axis (1)`, op, { x: X }, {}, { opset: 11 }),
  one(`${op} opset 11 axis 1 of a batched [N,3,4]`, op, { x: f(['N', 3, 4]) }, { axis: 1 }, { opset: 11 }),
  one(`${op} opset 11 axis 0 of a batched [N,3] (across the batch)`, op, { x: f(['N', 3]) }, { axis: 0 }, { opset: 11 }),
  ...[0, 1, -2].map((axis) => one(`${op} opset 13 axis ${axis} of [2,3,4]`, op, { x: X }, { axis }, { opset: 13 })),
  one(`${op} opset 13 default axis (-1) of a batched [N,5]`, op, { x: f(['N', 5]) }, {}, { opset: 13 }),
]);

/** A reduction with its axes as an attribute (before `inputFrom`) or an INT64 input (from it on). */
function reduce(op: string, inputFrom: number, axes: number[] | undefined, attrs: Record<string, AttrValue>, input: Input, asInput: boolean, label = ''): Case {
  const opset = asInput ? Math.max(inputFrom, 13) : inputFrom === 13 ? 11 : 17;
  const inits = asInput && axes ? [tensor('axes', INT64, [axes.length], axes)] : [];
  return {
    name: `${op} opset ${opset} axes ${JSON.stringify(axes)} ${asInput ? 'input' : 'attribute'} ${JSON.stringify(attrs)} of ${JSON.stringify(input.dims)}${label}`,
    nodes: [node(op, ['x', ...(inits.length ? ['axes'] : [])], 'z', { ...attrs, ...(!asInput && axes ? { axes } : {}) })],
    inputs: { x: input },
    inits,
    outputs: { z: FLOAT },
    opset,
  };
}
const REDUCTIONS: [string, number, Input][] = [
  ['ReduceSum', 13, X], ['ReduceMean', 18, X], ['ReduceMax', 18, X], ['ReduceMin', 18, X], ['ReduceProd', 18, X], ['ReduceL1', 18, X], ['ReduceL2', 18, X],
  ['ReduceSumSquare', 18, X], ['ReduceLogSum', 18, P], ['ReduceLogSumExp', 18, X],
];
const reductionCases: Case[] = REDUCTIONS.flatMap(([op, from, x]) => [
  reduce(op, from, [1], { keepdims: 0 }, x, false),
  reduce(op, from, [-1, 0], {}, x, false),
  reduce(op, from, undefined, {}, x, false),
  reduce(op, from, [0, 2], { keepdims: 0 }, x, true),
  reduce(op, from, [-2], {}, { ...x, dims: ['N', 3, 4] }, true),
  reduce(op, from, undefined, { keepdims: 0 }, x, true),
  reduce(op, from, undefined, { noop_with_empty_axes: 1 }, x, true),
]);
reductionCases.push(
  reduce('ReduceSum', 13, [0], { keepdims: 0 }, f(['N', 4]), true, ' (across the batch)'),
  reduce('ReduceMax', 18, [1, 2, 3, 4], {}, f([1, 2, 3, 2, 2]), true, ' (rank 5)'),
);

const ARG_VALUES = [3, 1, 3, 0, 2, 2, 5, 5, 5, -1, 0, -1, 4, 4, 1, 1, 0, 9, 9, 0, 2, 2, 2, 7];
const argCases: Case[] = ['ArgMax', 'ArgMin'].flatMap((op) => [
  ...[0, 1, 2, -1].map((axis) => one(`${op} axis ${axis}`, op, { x: f([2, 3, 4], { values: ARG_VALUES }) }, { axis }, { outputs: { z: INT64 } })),
  one(`${op} keepdims 0 axis -2`, op, { x: f([2, 3, 4], { values: ARG_VALUES }) }, { axis: -2, keepdims: 0 }, { outputs: { z: INT64 } }),
  one(`${op} select_last_index 1 (opset 12)`, op, { x: f([2, 3, 4], { values: ARG_VALUES }) }, { axis: 2, select_last_index: 1 }, { opset: 12, outputs: { z: INT64 } }),
  one(`${op} select_last_index 1 keepdims 0 axis 0 (opset 13)`, op, { x: f([2, 3, 4], { values: ARG_VALUES }) }, { axis: 0, keepdims: 0, select_last_index: 1 }, { opset: 13, outputs: { z: INT64 } }),
  one(`${op} default axis 0 of a batched [N,5] (across the batch)`, op, { x: f(['N', 5]) }, {}, { outputs: { z: INT64 } }),
  one(`${op} axis 1 of a batched [N,5]`, op, { x: f(['N', 5]) }, { axis: 1, keepdims: 0 }, { outputs: { z: INT64 } }),
]);

/**
 * A chain of the new elementwise ops, which the fuse pass makes one node (checked below). Ops
 * whose math reads their operand more than once (Celu, PRelu, Softsign, HardSwish) absorb no
 * producer (the fuse pass would compute it twice), so the one here comes first.
 */
const CHAIN: Case = {
  name: 'a chain of elementwise ops: Celu, Abs, Neg, Exp, Sqrt, Floor, Ceil, Pow, Sign, Erf, Reciprocal',
  nodes: [
    node('Celu', ['x'], 'a'), node('Abs', ['a'], 'b'), node('Neg', ['b'], 'c'), node('Exp', ['c'], 'd'), node('Sqrt', ['d'], 'e'), node('Mul', ['e', 'ten'], 'f'),
    node('Floor', ['f'], 'g'), node('Ceil', ['x'], 'h'), node('Pow', ['g', 'h'], 'i'), node('Sign', ['x'], 'j'), node('Mul', ['i', 'j'], 'k'), node('Erf', ['k'], 'l'),
    node('Add', ['l', 'ten'], 'm'), node('Reciprocal', ['m'], 'z'),
  ],
  inputs: { x: f(['N', 6]) },
  inits: [tensor('ten', FLOAT, [], [10])],
  outputs: { z: FLOAT },
  opset: 14,
};

const CASES: Case[] = [
  CHAIN,
  ...unaryCases, ...ranks, ...integerUnary, ...clipCases, ...binaryCases, ...integerBinary, ...powCases, ...variadicCases, ...integerVariadic,
  ...compareCases, ...preluCases, ...productCases, ...softmaxCases, ...reductionCases, ...argCases,
];

// ---------------------------------------------------------------------------------------------
// The harness: cases merged per (opset, backends), run by onnxruntime and every nnc backend.

/** The case's values and nodes, every name prefixed so that merged cases never share one. */
function renamed(c: Case, k: number) {
  const p = (s: string) => (s ? `c${k}_${s}` : s);
  const { onnx } = onnxProto;
  return {
    nodes: c.nodes.map((n) => onnx.NodeProto.create({ ...n, name: p(n.name!), input: n.input!.map(p), output: n.output!.map(p) })),
    inits: (c.inits ?? []).map((t) => onnx.TensorProto.create({ ...t, name: p(t.name!) })),
    inputs: Object.entries(c.inputs).map(([name, v]) => ({ name: p(name), ...v })),
    outputs: Object.entries(c.outputs).map(([name, type]) => ({ name: p(name), type })),
  };
}

const concrete = (dims: Dims) => dims.map((d) => (typeof d === 'string' ? BATCH : d));
const count = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

function feedValues(v: Input): number[] {
  if (v.values) return v.values;
  const n = count(concrete(v.dims));
  const type = v.type ?? FLOAT;
  if (type === BOOL) return Array.from({ length: n }, () => (rng.uniform(0, 1) < 0.5 ? 1 : 0));
  if (type !== FLOAT) return Array.from({ length: n }, () => Math.floor(rng.uniform(-9, 10)));
  return Array.from({ length: n }, () => Math.fround(v.positive ? rng.uniform(0.1, 3) : rng.uniform(-2, 2)));
}

const nncArray = (type: number, values: number[]) => (type === FLOAT ? Float32Array.from(values) : type === BOOL ? Uint8Array.from(values) : Int32Array.from(values));
function ortTensor(type: number, values: number[], dims: number[]) {
  if (type === FLOAT) return new ort.Tensor('float32', Float32Array.from(values), dims);
  if (type === INT64) return new ort.Tensor('int64', BigInt64Array.from(values, (x) => BigInt(x)), dims);
  if (type === BOOL) return new ort.Tensor('bool', Uint8Array.from(values), dims);
  return new ort.Tensor('int32', Int32Array.from(values), dims);
}

/** Where `got` differs from onnxruntime's `want` beyond the tolerance (floats) or at all (integers, bools). */
function mismatch(got: ArrayLike<number>, want: ArrayLike<number>, type: number): string | undefined {
  if (got.length !== want.length) return `length ${got.length}, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const [a, e] = [Number(got[i]), Number(want[i])];
    const ok = type === FLOAT ? a === e || (Number.isNaN(a) && Number.isNaN(e)) || Math.abs(a - e) <= 1e-7 + 1e-3 * Math.abs(e) : a === e;
    if (!ok) return `index ${i}: ${a}, expected ${e}`;
  }
  return undefined;
}

/** predict's first argument: the lone input's array, or the arrays keyed by input name. */
const lone = (feeds: Record<string, ArrayLike<number>>) => (Object.keys(feeds).length === 1 ? Object.values(feeds)[0]! : feeds);
const allFloat = (g: Graph) => g.nodes.every((n) => n.type.dtype === 'f32');

/** The groups one build serves: cases of one opset, split by whether the WebGPU bundle runs them. */
function groups(): { label: string; opset: number; gpu: boolean; cases: [Case, number][] }[] {
  const byKey = new Map<string, { label: string; opset: number; gpu: boolean; cases: [Case, number][] }>();
  CASES.forEach((c, k) => {
    const opset = c.opset ?? 7;
    const gpu = c.gpu !== false && allFloat(loadOnnxGraph(modelOf([[c, k]], opset)));
    const key = `${opset}/${gpu}`;
    if (!byKey.has(key)) byKey.set(key, { label: `opset ${opset}, ${gpu ? 'interpreter, wasm and webgpu' : 'interpreter and wasm'}`, opset, gpu, cases: [] });
    byKey.get(key)!.cases.push([c, k]);
  });
  return [...byKey.values()];
}

function modelOf(cases: [Case, number][], opset: number): string {
  const parts = cases.map(([c, k]) => renamed(c, k));
  return writeOnnxModel({
    nodes: parts.flatMap((p) => p.nodes),
    initializers: parts.flatMap((p) => p.inits),
    inputs: parts.flatMap((p) => p.inputs.map((i) => valueInfo(i.name, i.type ?? FLOAT, i.dims))),
    outputs: parts.flatMap((p) => p.outputs.map((o) => valueInfo(o.name, o.type))),
    opset,
  });
}

beforeAll(async () => {
  await dawnGpu();
});
afterAll(removeTempDirs);

describe('ONNX math operators vs onnxruntime', () => {
  for (const g of groups())
    it(`${g.label}: ${g.cases.length} cases`, async () => {
      const path = modelOf(g.cases, g.opset);
      const graph = loadOnnxGraph(path);
      verifyGraph(graph, { requireWeightData: true });
      const parts = g.cases.map(([c, k]) => ({ c, ...renamed(c, k) }));
      const inputs = parts.flatMap((p) => p.inputs.map((i) => ({ ...i, type: i.type ?? FLOAT, fed: concrete(i.dims), values: feedValues(i) })));
      const session = await onnxSession(path);
      const want = await session.run(Object.fromEntries(inputs.map((i) => [i.name, ortTensor(i.type, i.values, i.fed)])));
      const feeds = Object.fromEntries(inputs.map((i) => [i.name, nncArray(i.type, i.values)]));
      const batch = inputs.some((i) => i.dims.some((d) => typeof d === 'string')) ? BATCH : undefined;

      const results: Record<string, Record<string, ArrayLike<number>>> = {
        interpreter: Object.fromEntries(
          Object.entries(interpret(graph, Object.fromEntries(inputs.map((i) => [i.name, { shape: i.fed, data: feeds[i.name]! }])))).map(([k, t]) => [k, t.data]),
        ),
      };
      const wasm = await (await buildWasmBundle(graph)).import();
      for (const simd of [true, false]) {
        const model = await wasm.load({ simd });
        const out = model.predict(lone(feeds) as never, batch) as unknown;
        results[`wasm ${simd ? 'simd' : 'scalar'}`] = (ArrayBuffer.isView(out) ? { [model.outputNames[0]!]: out } : out) as Record<string, ArrayLike<number>>;
      }
      if (g.gpu) {
        const model = await (await (await buildWebGpuBundle(graph)).import()).load({ gpu: await dawnGpu() });
        try {
          const out = await model.predict(lone(feeds) as Record<string, Float32Array>, batch);
          results.webgpu = out instanceof Float32Array ? { [model.outputNames[0]!]: out } : out;
        } finally {
          await model.dispose();
        }
      } else if (!allFloat(graph)) {
        // Values other than float are refused by the WebGPU backend at build time, by name.
        const e = await buildWebGpuBundle(graph).then(
          () => undefined,
          (err: NncError) => err,
        );
        expect(e?.code).toBe('NNC4001');
      }

      const failures: string[] = [];
      for (const p of parts)
        for (const o of p.outputs) {
          const expected = Array.from(want[o.name]!.data as ArrayLike<number | bigint>, Number);
          for (const [backend, got] of Object.entries(results)) {
            const bad = mismatch(got[o.name] ?? [], expected, o.type);
            if (bad) failures.push(`${p.c.name} (${o.name}), ${backend}: ${bad}`);
          }
        }
      expect(failures).toEqual([]);
    });

  it('the fuse pass makes the chain of elementwise ops one node', () => {
    const graph = optimize(loadOnnxGraph(modelOf([[CHAIN, 0]], CHAIN.opset!)));
    expect(graph.nodes.filter((n) => !['input', 'weight', 'const'].includes(n.op)).map((n) => n.op)).toEqual(['elementwise']);
  });
});

describe('Where of integer and bool branches (onnxruntime-web has no kernel for them)', () => {
  it('the interpreter computes c ? x : y element by element, broadcasting, and the wasm bundle (SIMD and scalar) equals it', async () => {
    const cases = [
      { name: 'Where INT32', x: typed(INT32, [2, 4]), y: typed(INT32, []) },
      { name: 'Where INT64', x: typed(INT64, [4]), y: typed(INT64, [2, 4]) },
      { name: 'Where BOOL', x: typed(BOOL, [2, 4]), y: typed(BOOL, [1, 4]) },
    ];
    for (const { name, x, y } of cases) {
      const c = one(name, 'Where', { c: typed(BOOL, [2, 1]), x, y }, {}, { opset: 16, outputs: { z: x.type! } });
      const graph = loadOnnxGraph(modelOf([[c, 0]], 16));
      const values = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [`c0_${k}`, { dims: concrete(v.dims), data: nncArray(v.type!, feedValues(v)) }]));
      const got = interpret(graph, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { shape: v.dims, data: v.data }]))).c0_z!.data;
      // Element (i, j) of the [2, 4] result read from an operand of rank <= 2, by numpy's broadcasting.
      const at = (k: string, i: number, j: number) => {
        const v = values[`c0_${k}`]!;
        const [rows, cols] = [...[1, 1], ...v.dims].slice(-2) as [number, number];
        return v.data[(rows === 1 ? 0 : i) * cols + (cols === 1 ? 0 : j)]!;
      };
      const want = Array.from({ length: 8 }, (_, e) => (at('c', Math.floor(e / 4), e % 4) ? at('x', Math.floor(e / 4), e % 4) : at('y', Math.floor(e / 4), e % 4)));
      expect(Array.from(got), name).toEqual(want);
      const wasm = await (await buildWasmBundle(graph)).import();
      for (const simd of [true, false]) {
        const out = (await wasm.load({ simd })).predict(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.data])) as never) as unknown as ArrayLike<number>;
        expect(out.constructor, `${name}, simd ${simd}`).toBe(got.constructor);
        expect(Array.from(out), `${name}, simd ${simd}`).toEqual(want);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('ONNX math operators nnc does not compute are refused at build time, every one by node', () => {
  it('lists each refused node with its reason', () => {
    const path = writeOnnxModel({
      nodes: [
        node('Pow', ['i', 'x'], 'pow_int_base'),
        node('Exp', ['i'], 'exp_int'),
        node('Clip', ['x'], 'clip_attr', { min: 0 }),
        node('ReduceSum', ['x', 'axes_in'], 'reduce_axes_input'),
        node('ReduceMean', ['x'], 'reduce_far', { axes: [3] }),
        node('ArgMax', ['i'], 'argmax_int'),
        node('MatMul', ['i', 'i'], 'matmul_int'),
        node('Gelu', ['x'], 'gelu_fast', { approximate: 'fast' }),
        node('Where', ['x', 'x', 'x'], 'where_float_cond'),
        node('HardSwish', ['x'], 'hard_swish_early'),
        node('Mod', ['x', 'x'], 'mod'),
      ],
      inputs: [valueInfo('x', FLOAT, [3, 3]), valueInfo('i', INT32, [3, 3]), valueInfo('axes_in', INT64, [1])],
      outputs: ['pow_int_base', 'exp_int', 'clip_attr', 'reduce_axes_input', 'reduce_far', 'argmax_int', 'matmul_int', 'gelu_fast', 'where_float_cond', 'hard_swish_early', 'mod'].map((o) => valueInfo(o, FLOAT)),
      opset: 13,
    });
    const e = catchNnc(() => loadOnnxGraph(path)) as NncError & Partial<NncErrorList>;
    expect(e.code).toBe('NNC6001');
    expect((e.errors ?? []).map((p) => [p.location?.node, p.detail])).toEqual([
      ['mod', 'ONNX op Mod'],
      ['pow_int_base', "Pow: input 0 ('i') is INT32 or INT64; nnc computes Pow on FLOAT only"],
      ['exp_int', "Exp: input 0 ('i') is INT32 or INT64; nnc computes Exp on FLOAT only"],
      ['clip_attr', 'Clip attribute min = 0 is an input from opset 11 on; this model imports opset 13'],
      ['reduce_axes_input', "ReduceSum: the axes ('axes_in') must be an initializer"],
      ['reduce_far', 'ReduceMean attribute axes = 3 is out of range for an input of rank 2'],
      ['argmax_int', "ArgMax: input 0 ('i') is INT32 or INT64; nnc computes ArgMax on FLOAT only"],
      ['matmul_int', "MatMul: input 0 ('i') is INT32 or INT64; nnc computes MatMul on FLOAT only"],
      ['gelu_fast', 'Gelu attribute approximate = "fast" is not supported (only "none" or "tanh")'],
      ['where_float_cond', "Where: input 0 ('x') is FLOAT; nnc computes Where on BOOL only"],
      ['hard_swish_early', 'HardSwish: ONNX defines it from opset 14 on; this model imports opset 13'],
    ]);
  });

  it('Max of operands of two shapes before opset 8 (no broadcasting then)', () => {
    const path = writeOnnxModel({
      nodes: [node('Max', ['x', 'y'], 'z')],
      inputs: [valueInfo('x', FLOAT, [3, 4]), valueInfo('y', FLOAT, [4])],
      outputs: [valueInfo('z', FLOAT)],
      opset: 7,
    });
    const e = catchNnc(() => loadOnnxGraph(path)) as NncError & Partial<NncErrorList>;
    expect([e.message, ...(e.errors ?? []).map((x) => x.message)].join('\n')).toMatch(/Max: operands of shapes \[3,4\], \[4\] broadcast only from opset 8 on/);
  });
});
