/**
 * tfjs graph models with TensorFlow's elementwise math, comparisons / logic / selection,
 * reductions and ArgMax / ArgMin, and shape / structure ops on tensors (ExpandDims, Squeeze,
 * Transpose, Slice, StridedSlice, Pack, Unpack, Split, SplitV, Tile, Fill, Range, Cast to int64),
 * hand-written as tensorflowjs_converter writes them, against tfjs-converter running the same
 * files: float graphs through the interpreter, the wasm bundle (SIMD and scalar) and the WebGPU
 * bundle at batch 1 and 7, within 1e-5 of each output's scale (its largest magnitude, at least 1);
 * int32 / int64 inputs through the interpreter and the wasm bundle, exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/frontend/random.js';
import { loadTfjsGraphModel } from '../../src/frontend/import/tfjs-graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { goldenCase, importProblems } from '../helpers/tfjs-graph-golden.js';
import { constNode, floatWeight, intWeight, ints, placeholder, tfjsConverterModel, tfNode, writeGraphModel, type Weight } from '../helpers/tfjs-graph-model.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { buildWasmBundle, outputsByName, predictArgument } from '../wasm/bundle-helpers.js';

const rng = new Random(31);
const T = (type = 'DT_FLOAT') => ({ T: { type } });
const f32 = (name: string, shape: number[], scale = 1) => [constNode(name), floatWeight(rng, name, shape, scale)] as const;
const fixed = (name: string, shape: number[], values: number[]) => [constNode(name), { name, shape, dtype: 'float32', values } satisfies Weight] as const;
const i32 = (name: string, shape: number[], values: number[]) => [constNode(name, 'DT_INT32'), intWeight(name, shape, values)] as const;
/** Constants as [nodes, weights]. */
const consts = (...cs: (readonly [unknown, Weight])[]) => ({ nodes: cs.map(([n]) => n), weights: cs.map(([, w]) => w) });
const op1 = (name: string, op: string, x: string, type = 'DT_FLOAT') => tfNode(name, op, [x], T(type));
const op2 = (name: string, op: string, x: string, y: string, type = 'DT_FLOAT') => tfNode(name, op, [x, y], T(type));
const toFloat = (name: string, x: string, from: string) => tfNode(name, 'Cast', [x], { SrcT: { type: from }, DstT: { type: 'DT_FLOAT' }, Truncate: { b: false } });

{
  const c = consts(f32('w', [4]), fixed('half', [], [0.5]), fixed('three', [], [3]), fixed('divisor', [4], [0.7, -1.3, 2.1, -0.4]), fixed('lo', [], [-0.3]), fixed('hi', [], [0.4]));
  const unary = ['Abs', 'Neg', 'Sign', 'Exp', 'Square', 'LogSoftmax', 'Erf', 'Floor', 'Ceil'];
  const positive = ['Log', 'Sqrt', 'Rsqrt', 'Reciprocal'];
  const binary = ['SquaredDifference', 'Maximum', 'Minimum'];
  goldenCase({
    name: 'elementwise math (unary, binary, ClipByValue; Floor, Ceil, Erf, FloorDiv of 3x)',
    input: [3, 4],
    nodes: [
      placeholder('x', [3, 4]),
      ...c.nodes,
      op2('x3', 'Mul', 'x', 'three'),
      op1('abs_x', 'Abs', 'x'),
      op2('pos', 'AddV2', 'abs_x', 'half'),
      ...unary.map((o) => op1(o, o, ['Floor', 'Ceil', 'Erf'].includes(o) ? 'x3' : 'x')),
      ...positive.map((o) => op1(o, o, 'pos')),
      ...binary.map((o) => op2(o, o, 'x', 'w')),
      op2('Pow', 'Pow', 'pos', 'w'),
      op2('FloorDiv', 'FloorDiv', 'x3', 'divisor'),
      tfNode('ClipByValue', 'ClipByValue', ['x', 'lo', 'hi'], T()),
    ],
    weights: c.weights,
    outputs: [...unary, ...positive, ...binary, 'Pow', 'FloorDiv', 'ClipByValue'],
  });
}

{
  const c = consts(f32('w', [5]), fixed('levels', [5], [-1, 0, 1, 2, -2]), fixed('three', [], [3]), fixed('zero', [], [0]), i32('axis1', [], [1]), i32('axis_neg', [1], [-1]));
  const logic = ['le', 'ge', 'ne', 'and', 'or', 'not'];
  const arg = (name: string, op: string, x: string, axis: string, outType: string) => [
    tfNode(name, op, [x, axis], { ...T(), Tidx: { type: 'DT_INT32' }, output_type: { type: outType } }),
    toFloat(`${name}_f`, name, outType),
  ];
  goldenCase({
    name: 'comparisons, logic, Select / SelectV2 and ArgMax / ArgMin (bool and int32 values, cast to float: no WebGPU)',
    webgpu: false,
    input: [5],
    nodes: [
      placeholder('x', [5]),
      ...c.nodes,
      op2('x3', 'Mul', 'x', 'three'),
      op1('fl', 'Floor', 'x3'),
      op1('neg', 'Neg', 'x'),
      op2('le', 'LessEqual', 'x', 'w'),
      op2('ge', 'GreaterEqual', 'x', 'w'),
      tfNode('ne', 'NotEqual', ['fl', 'levels'], { ...T(), incompatible_shape_error: { b: true } }),
      tfNode('and', 'LogicalAnd', ['le', 'ne']),
      tfNode('or', 'LogicalOr', ['ge', 'ne']),
      tfNode('not', 'LogicalNot', ['le']),
      tfNode('select', 'Select', ['ge', 'x', 'neg'], T()),
      tfNode('select_v2', 'SelectV2', ['le', 'x', 'w'], T()),
      tfNode('select_v2_scalar', 'SelectV2', ['ne', 'zero', 'x'], T()),
      ...logic.map((o) => toFloat(`${o}_f`, o, 'DT_BOOL')),
      ...arg('argmax', 'ArgMax', 'x', 'axis1', 'DT_INT32'),
      ...arg('argmin', 'ArgMin', 'x', 'axis_neg', 'DT_INT64'),
    ],
    weights: c.weights,
    outputs: ['select', 'select_v2', 'select_v2_scalar', ...logic.map((o) => `${o}_f`), 'argmax_f', 'argmin_f'],
  });
}

{
  const c = consts(i32('a1', [1], [1]), i32('a_last_1', [2], [-1, 1]));
  const reduce = (name: string, op: string, axes: string, keep: boolean) => tfNode(name, op, ['x', axes], { ...T(), Tidx: { type: 'DT_INT32' }, keep_dims: { b: keep } });
  const reductions = ['Sum', 'Mean', 'Max', 'Min', 'Prod'].flatMap((o) => [reduce(`${o}_keep`, o, 'a1', true), reduce(`${o}_two`, o, 'a_last_1', false)]);
  goldenCase({
    name: 'reductions over constant axes (keep_dims)',
    input: [3, 4, 2],
    nodes: [placeholder('x', [3, 4, 2]), ...c.nodes, ...reductions],
    weights: c.weights,
    outputs: reductions.map((r) => r.name),
  });
}

{
  const slice = (name: string, begin: number[], end: number[], strides: number[], masks: Record<string, number>) => {
    const c = consts(i32(`${name}/b`, [begin.length], begin), i32(`${name}/e`, [end.length], end), i32(`${name}/s`, [strides.length], strides));
    const attr = Object.fromEntries(Object.entries(masks).map(([k, v]) => [k, { i: String(v) }]));
    return { nodes: [...c.nodes, tfNode(name, 'StridedSlice', ['x', `${name}/b`, `${name}/e`, `${name}/s`], { ...T(), Index: { type: 'DT_INT32' }, ...attr })], weights: c.weights };
  };
  const slices = [
    // x[:, 1:3, 2:]
    slice('ss_range', [0, 1, 2], [0, 3, 0], [1, 1, 1], { begin_mask: 1, end_mask: 5 }),
    // x[..., 1]
    slice('ss_ellipsis_shrink', [0, 1], [0, 2], [1, 1], { ellipsis_mask: 1, shrink_axis_mask: 2 }),
    // x[:, tf.newaxis, -2, 3:5]
    slice('ss_new_axis', [0, 0, -2, 3], [0, 0, -1, 5], [1, 1, 1, 1], { begin_mask: 1, end_mask: 1, new_axis_mask: 2, shrink_axis_mask: 4 }),
    // x[:, 0:2:3, -9:99] (one index kept by the stride; clamped bounds)
    slice('ss_clamped', [0, 0, -9], [0, 2, 99], [1, 3, 1], { begin_mask: 1, end_mask: 1 }),
    // x[:, ::-1 of one row] as a reverse slice keeping one index: x[:, 2:1:-1]
    slice('ss_reverse_one', [0, 2], [0, 1], [1, -1], { begin_mask: 1, end_mask: 1 }),
  ];
  const c = consts(
    i32('ax1', [], [1]),
    i32('ax_neg', [], [-1]),
    i32('ax2', [], [2]),
    i32('perm', [3], [0, 2, 1]),
    i32('sl_begin', [3], [0, 1, 2]),
    i32('sl_size', [3], [-1, 2, -1]),
    i32('sizes', [3], [1, -1, 2]),
    i32('fill_dims', [2], [4, 6]),
    i32('multiples', [3], [1, 2, 3]),
    fixed('fill_value', [], [0.5]),
    fixed('r_start', [], [0.5]),
    fixed('r_limit', [], [3.5]),
    fixed('r_delta', [], [0.5]),
    i32('ri_start', [], [0]),
    i32('ri_limit', [], [12]),
    i32('ri_delta', [], [2]),
  );
  const id = (name: string, x: string) => tfNode(name, 'Identity', [x], T());
  const outputs = [...slices.map((s) => (s.nodes.at(-1) as { name: string }).name), 'expand_last', 'squeeze', 'squeeze_all', 'transpose', 'slice', 'pack', 'pack_last', 'unpack0', 'unpack3', 'split0', 'split2', 'splitv0', 'splitv1', 'splitv2', 'tile', 'fill_add', 'range_add', 'rangei_add'];
  goldenCase({
    name: 'ExpandDims, Squeeze, Transpose, Slice, StridedSlice, Pack, Unpack, Split, SplitV, Tile, Fill, Range',
    input: [4, 6],
    nodes: [
      placeholder('x', [4, 6]),
      ...c.nodes,
      ...slices.flatMap((s) => s.nodes),
      tfNode('expand', 'ExpandDims', ['x', 'ax1'], { ...T(), Tdim: { type: 'DT_INT32' } }),
      tfNode('expand_last', 'ExpandDims', ['x', 'ax_neg'], { ...T(), Tdim: { type: 'DT_INT32' } }),
      tfNode('expand2', 'ExpandDims', ['x', 'ax2'], { ...T(), Tdim: { type: 'DT_INT32' } }),
      tfNode('squeeze', 'Squeeze', ['expand'], { ...T(), squeeze_dims: ints(1) }),
      tfNode('squeeze_all', 'Squeeze', ['expand2'], { ...T(), squeeze_dims: { list: {} } }),
      tfNode('transpose', 'Transpose', ['x', 'perm'], { ...T(), Tperm: { type: 'DT_INT32' } }),
      tfNode('slice', 'Slice', ['x', 'sl_begin', 'sl_size'], { ...T(), Index: { type: 'DT_INT32' } }),
      op1('neg', 'Neg', 'x'),
      tfNode('pack', 'Pack', ['x', 'neg'], { ...T(), N: { i: '2' }, axis: { i: '1' } }),
      tfNode('pack_last', 'Pack', ['x', 'neg', 'x'], { ...T(), N: { i: '3' }, axis: { i: '-1' } }),
      tfNode('unpack', 'Unpack', ['x'], { ...T(), num: { i: '4' }, axis: { i: '1' } }),
      id('unpack0', 'unpack'),
      id('unpack3', 'unpack:3'),
      tfNode('split', 'Split', ['ax_neg', 'x'], { ...T(), num_split: { i: '3' } }),
      id('split0', 'split:0'),
      id('split2', 'split:2'),
      tfNode('splitv', 'SplitV', ['x', 'sizes', 'ax1'], { ...T(), Tlen: { type: 'DT_INT32' }, num_split: { i: '3' } }),
      id('splitv0', 'splitv'),
      id('splitv1', 'splitv:1'),
      id('splitv2', 'splitv:2'),
      tfNode('tile', 'Tile', ['x', 'multiples'], { ...T(), Tmultiples: { type: 'DT_INT32' } }),
      tfNode('fill', 'Fill', ['fill_dims', 'fill_value'], { ...T(), index_type: { type: 'DT_INT32' } }),
      op2('fill_add', 'AddV2', 'x', 'fill'),
      tfNode('range', 'Range', ['r_start', 'r_limit', 'r_delta'], { Tidx: { type: 'DT_FLOAT' } }),
      op2('range_add', 'AddV2', 'x', 'range'),
      tfNode('rangei', 'Range', ['ri_start', 'ri_limit', 'ri_delta'], { Tidx: { type: 'DT_INT32' } }),
      toFloat('rangei_f', 'rangei', 'DT_INT32'),
      op2('rangei_add', 'AddV2', 'x', 'rangei_f'),
    ],
    weights: [...c.weights, ...slices.flatMap((s) => s.weights)],
    outputs,
  });
}

describe('int32 and int64 inputs (rank 1 and 2)', () => {
  beforeAll(() => tfjsReady());
  it('Abs, Neg, Sign, Square, SquaredDifference, Maximum, Minimum, ClipByValue, comparisons, int64 Mul and Cast to and from int64 equal tfjs-converter exactly, in the interpreter and the wasm bundle', async () => {
    const c = consts(i32('w', [4], [3, -2, 0, 7]), i32('lo', [], [-4]), i32('hi', [], [5]));
    const I = 'DT_INT32';
    const unary = ['Abs', 'Neg', 'Sign', 'Square'].map((o) => op1(o, o, 'k', I));
    const binary = ['SquaredDifference', 'Maximum', 'Minimum'].map((o) => op2(o, o, 'k', 'w', I));
    const nodes = [
      placeholder('k', [4], I),
      tfNode('v', 'Placeholder', [], { dtype: { type: 'DT_INT64' }, shape: { shape: { dim: [{ size: '-1' }] } } }),
      ...c.nodes,
      ...unary,
      ...binary,
      tfNode('ClipByValue', 'ClipByValue', ['k', 'lo', 'hi'], T(I)),
      op2('le', 'LessEqual', 'k', 'w', I),
      op2('ge', 'GreaterEqual', 'k', 'w', I),
      toFloat('le_f', 'le', 'DT_BOOL'),
      toFloat('ge_f', 'ge', 'DT_BOOL'),
      tfNode('k64', 'Cast', ['k'], { SrcT: { type: I }, DstT: { type: 'DT_INT64' }, Truncate: { b: false } }),
      tfNode('k32', 'Cast', ['k64'], { SrcT: { type: 'DT_INT64' }, DstT: { type: I }, Truncate: { b: false } }),
      tfNode('v2', 'Mul', ['v', 'v'], T('DT_INT64')),
      tfNode('vf', 'Cast', ['v2'], { SrcT: { type: 'DT_INT64' }, DstT: { type: 'DT_FLOAT' }, Truncate: { b: false } }),
      op2('k_sum', 'AddV2', 'k', 'k32', I),
    ];
    const outputs = ['Abs', 'Neg', 'Sign', 'Square', 'SquaredDifference', 'Maximum', 'Minimum', 'ClipByValue', 'le_f', 'ge_f', 'vf', 'k_sum'];
    const m = writeGraphModel(nodes, c.weights);
    const graph = loadTfjsGraphModel(m.path);
    verifyGraph(graph, { requireWeightData: true });
    expect(graph.inputs.map((i) => [i.name, i.type.dtype, i.type.shape.length])).toEqual([
      ['k', 'i32', 2],
      ['v', 'i32', 1],
    ]);
    const batch = 5;
    const k = Int32Array.from({ length: batch * 4 }, (_, i) => ((i * 7) % 13) - 6);
    const v = Int32Array.from({ length: batch }, (_, i) => i * 1000 - 2000);
    const oracle = await tfjsConverterModel(m);
    const want = oracle.execute({ k: tf.tensor(k, [batch, 4], 'int32'), v: tf.tensor(v, [batch], 'int32') }, outputs) as tf.Tensor[];
    const wanted = await Promise.all(want.map(async (t) => Array.from(await t.data(), Number)));
    tf.dispose(want);
    const got = interpret(graph, { k: { shape: [batch, 4], data: k }, v: { shape: [batch], data: v } });
    const { load } = await (await buildWasmBundle(graph)).import();
    const wasm = await load();
    const out = outputsByName(wasm.predict(predictArgument({ k, v } as unknown as Record<string, Float32Array>), batch), wasm.outputNames);
    for (const [i, name] of outputs.entries()) {
      expect(Array.from(got[name]!.data, Number), `interpreter ${name}`).toEqual(wanted[i]);
      expect(Array.from(out[name]!, Number), `wasm ${name}`).toEqual(wanted[i]);
    }
  });
});

{
  const c = consts(i32('picks', [2, 2], [3, 0, 2, 3]), i32('ax1', [], [1]), i32('ax_neg', [], [-1]));
  const G = { Tparams: { type: 'DT_FLOAT' }, Tindices: { type: 'DT_INT32' }, Taxis: { type: 'DT_INT32' }, batch_dims: { i: '0' } };
  goldenCase({
    name: 'GatherV2 of a batched tensor along later axes by constant indices of rank 2 (no WebGPU kernel: gather computes int indices)',
    input: [4, 6],
    nodes: [placeholder('x', [4, 6]), ...c.nodes, tfNode('rows', 'GatherV2', ['x', 'picks', 'ax1'], G), tfNode('cols', 'GatherV2', ['x', 'picks', 'ax_neg'], G)],
    weights: c.weights,
    outputs: ['rows', 'cols'],
    webgpu: false,
  });
}

describe('GatherV2 as an embedding lookup', () => {
  beforeAll(() => tfjsReady());
  it('a constant table gathered by int32 and int64 ids of the batch equals tfjs-converter exactly, in the interpreter and the wasm bundle', async () => {
    const table = floatWeight(rng, 'table', [7, 3]);
    const c = consts([constNode('table'), table] as const, i32('ax0', [], [0]));
    const G = (ids: string) => ({ Tparams: { type: 'DT_FLOAT' }, Tindices: { type: ids }, Taxis: { type: 'DT_INT32' }, batch_dims: { i: '0' } });
    const nodes = [
      placeholder('ids', [5], 'DT_INT32'),
      placeholder('ids64', [2], 'DT_INT64'),
      ...c.nodes,
      tfNode('emb', 'GatherV2', ['table', 'ids', 'ax0'], G('DT_INT32')),
      tfNode('emb64', 'GatherV2', ['table', 'ids64', 'ax0'], G('DT_INT64')),
    ];
    const m = writeGraphModel(nodes, c.weights);
    const graph = loadTfjsGraphModel(m.path);
    verifyGraph(graph, { requireWeightData: true });
    const batch = 3;
    const ids = Int32Array.from({ length: batch * 5 }, (_, i) => (i * 5) % 7);
    const ids64 = Int32Array.from({ length: batch * 2 }, (_, i) => 6 - (i % 7));
    const oracle = await tfjsConverterModel(m);
    const want = oracle.execute({ ids: tf.tensor(ids, [batch, 5], 'int32'), ids64: tf.tensor(ids64, [batch, 2], 'int32') }, ['emb', 'emb64']) as tf.Tensor[];
    const wanted = want.map((t) => Array.from(t.dataSync()));
    tf.dispose(want);
    const got = interpret(graph, { ids: { shape: [batch, 5], data: ids }, ids64: { shape: [batch, 2], data: ids64 } });
    const wasm = await (await (await buildWasmBundle(graph)).import()).load();
    const out = outputsByName(wasm.predict(predictArgument({ ids, ids64 } as unknown as Record<string, Float32Array>), batch), wasm.outputNames);
    for (const [i, name] of ['emb', 'emb64'].entries()) {
      expect(Array.from(got[name]!.data), `interpreter ${name}`).toEqual(wanted[i]);
      expect(Array.from(out[name]!), `wasm ${name}`).toEqual(wanted[i]);
    }
  });
});

describe('refusals name the node', () => {
  it('ops left for later, integer FloorDiv, unsupported attr values, and forms that would move the batch axis or need a gather', () => {
    const c = consts(i32('perm', [3], [1, 0, 2]), i32('ax0', [], [0]), i32('ax1', [], [1]), i32('reps', [3], [2, 1, 1]), i32('b', [3], [0, 0, 0]), i32('e', [3], [0, 4, 6]), i32('s', [3], [1, 2, 1]), i32('idx', [2], [0, 1]), i32('rb', [2], [0, 0]), i32('re', [2], [0, 0]), i32('rs', [2], [1, -1]), i32('sl_b', [3], [1, 0, 0]), i32('sl_s', [3], [-1, -1, -1]));
    const message = importProblems(
      [
        placeholder('x', [4, 6]),
        placeholder('k', [4], 'DT_INT32'),
        ...c.nodes,
        tfNode('tile', 'Tile', ['x', 'reps'], T()),
        tfNode('gather', 'GatherV2', ['x', 'idx', 'ax0'], { Tparams: { type: 'DT_FLOAT' }, Tindices: { type: 'DT_INT32' }, Taxis: { type: 'DT_INT32' }, batch_dims: { i: '0' } }),
        op2('floor_mod', 'FloorMod', 'x', 'x'),
        op2('int_floor_div', 'FloorDiv', 'k', 'k', 'DT_INT32'),
        tfNode('argmax16', 'ArgMax', ['x', 'ax1'], { ...T(), output_type: { type: 'DT_INT16' } }),
        tfNode('transpose_batch', 'Transpose', ['x', 'perm'], T()),
        tfNode('expand_batch', 'ExpandDims', ['x', 'ax0'], T()),
        tfNode('squeeze_6', 'Squeeze', ['x'], { ...T(), squeeze_dims: ints(2) }),
        tfNode('strided_2', 'StridedSlice', ['x', 'b', 'e', 's'], { ...T(), begin_mask: { i: '1' }, end_mask: { i: '1' } }),
        tfNode('pack_batch', 'Pack', ['x', 'x'], { ...T(), N: { i: '2' }, axis: { i: '0' } }),
        tfNode('row_sum', 'Sum', ['x', 'ax1'], { ...T(), keep_dims: { b: false } }),
        tfNode('reversed', 'StridedSlice', ['x', 'rb', 're', 'rs'], { ...T(), begin_mask: { i: '3' }, end_mask: { i: '3' } }),
        tfNode('slice_batch', 'Slice', ['x', 'sl_b', 'sl_s'], T()),
        tfNode('split_batch', 'Split', ['ax0', 'x'], { ...T(), num_split: { i: '1' } }),
        op2('row_positive', 'Greater', 'row_sum', 'row_sum'),
        tfNode('select_vector', 'Select', ['row_positive', 'x', 'x'], T()),
      ],
      c.weights,
    );
    for (const expected of [
      'node tile): Tile: multiples [2, 1, 1] tile the batch axis',
      'node gather): GatherV2: gathers along axis 0, the batch axis',
      'node floor_mod): TensorFlow op FloorMod',
      'node int_floor_div): FloorDiv attr T = "DT_INT32" is not supported (only "DT_FLOAT")',
      'node argmax16): ArgMax attr output_type = "DT_INT16" is not supported',
      'node select_vector): Select: condition, x and y must have one shape',
      'node transpose_batch): Transpose: perm [1, 0, 2] moves the batch axis',
      'node expand_batch): ExpandDims: nnc keeps the first (batch) axis in place',
      'node squeeze_6): Squeeze attr squeeze_dims = [2] names axis 2 of size 6, not 1',
      'node strided_2): StridedSlice: stride 2 on axis 1 keeps every other index, which needs a gather',
      'node pack_batch): Pack: nnc keeps the first (batch) axis in place',
      'node reversed): StridedSlice: a negative stride on axis 1 reverses it, which needs a gather',
      'node slice_batch): Slice: slicing the batch axis (axis 0) is not supported',
      'node split_batch): Split: splitting the batch axis (axis 0) is not supported',
    ])
      expect(message).toContain(expected);
  });
});
