/**
 * ONNX LSTM, GRU and RNN against onnxruntime-web: each op × direction (forward, reverse,
 * bidirectional) × layout (0 and 1), with and without B and the initial states, every subset of
 * the outputs, GRU's linear_before_reset both ways, LSTM peepholes, clip, every activation the ops
 * define (with activation_alpha / beta), batches of 1, 3 and a symbolic one, several sequence lengths; through
 * the interpreter, the wasm bundle (SIMD and scalar) and the WebGPU bundle. onnxruntime refuses
 * layout 1 ("Batchwise recurrent operations are not supported"), so its oracle there is the same
 * node in layout 0 between Transposes, which is how ONNX defines layout 1.
 *
 * Tolerance: ONNX's own, |a − e| ≤ 1e-7 + 1e-3·|e|, for every output of every step (weights in
 * [-0.6, 0.6] and inputs in [-3, 3] keep the gates away from saturation, so the states vary).
 *
 * What nnc does not compute (sequence_lens, input_forget, an unknown number of steps, ...) is
 * refused by name (last block).
 */
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOnnxGraph } from '../../src/frontend/import/onnx.js';
import { Random } from '../../src/frontend/random.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { checkInterpreter, checkWasm, checkWebGpu, writeCase, type OnnxCase } from '../helpers/onnx-case-table.js';
import { DataType, tensor, type Dims } from '../helpers/onnx-model.js';
import { removeTempDirs } from '../wasm/temp.js';

afterAll(removeTempDirs);

const { onnx } = onnxProto;
const A = onnx.AttributeProto.AttributeType;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type Op = 'LSTM' | 'GRU' | 'RNN';
type Direction = 'forward' | 'reverse' | 'bidirectional';

const GATES: Record<Op, number> = { LSTM: 4, GRU: 3, RNN: 1 };

/** Attribute values: an integer (INT), { f } (FLOAT), a string, { ints }, strings, { floats }. */
type Attr = number | { f: number } | string | { ints: number[] } | string[] | { floats: number[] };
function attribute(name: string, v: Attr) {
  const text = (s: string) => new TextEncoder().encode(s);
  if (typeof v === 'number') return onnx.AttributeProto.create({ name, i: v, type: A.INT });
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, s: text(v), type: A.STRING });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, strings: v.map(text), type: A.STRINGS });
  if ('ints' in v) return onnx.AttributeProto.create({ name, ints: v.ints, type: A.INTS });
  if ('f' in v) return onnx.AttributeProto.create({ name, f: v.f, type: A.FLOAT });
  return onnx.AttributeProto.create({ name, floats: v.floats, type: A.FLOATS });
}
const makeNode = (opType: string, input: string[], output: string[], attrs: Record<string, Attr> = {}): NodeProto =>
  onnx.NodeProto.create({ opType, input, output, name: output.find((o) => o) ?? opType, attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });

interface Spec {
  readonly op: Op;
  readonly direction?: Direction;
  readonly layout?: 0 | 1;
  /** A number is a fixed batch; 'N' a symbolic one (layout 1 only). */
  readonly batch?: number | 'N';
  readonly steps?: number;
  readonly bias?: boolean;
  readonly initialH?: boolean;
  readonly initialC?: boolean;
  /** LSTM's peephole weights P. */
  readonly peepholes?: boolean;
  /** Which of Y, Y_h, Y_c the node names. */
  readonly outputs?: readonly boolean[];
  readonly activations?: string[];
  readonly alpha?: number[];
  readonly beta?: number[];
  readonly linearBeforeReset?: 0 | 1;
  readonly opset?: number;
  /** Extra attributes and inputs (refusals). */
  readonly attrs?: Record<string, Attr>;
  readonly extraInputs?: Record<number, string>;
}

const FEATURES = 3;
const HIDDEN = 4;
const rng = new Random(21);
const weights = (name: string, dims: number[]) => tensor(name, DataType.FLOAT, dims, Array.from({ length: dims.reduce((p, d) => p * d, 1) }, () => Math.fround(rng.uniform(-0.6, 0.6))));

/** One recurrent node with its weights, inputs x (and h0, c0) and outputs y, yh, yc. */
function rnnCase(name: string, s: Spec): OnnxCase {
  const { op, direction = 'forward', layout = 0, batch = 3, steps = 4, outputs = [true, true, true] } = s;
  const nd = direction === 'bidirectional' ? 2 : 1;
  const g = GATES[op];
  const inits = [weights('w', [nd, g * HIDDEN, FEATURES]), weights('r', [nd, g * HIDDEN, HIDDEN]), ...(s.bias ? [weights('b', [nd, 2 * g * HIDDEN])] : []), ...(s.peepholes ? [weights('p', [nd, 3 * HIDDEN])] : [])];
  const stateDims: Dims = layout === 0 ? [nd, batch, HIDDEN] : [batch, nd, HIDDEN];
  const inputs: OnnxCase['inputs'] = {
    x: { dims: layout === 0 ? [steps, batch, FEATURES] : [batch, steps, FEATURES] },
    ...(s.initialH ? { h0: { dims: stateDims } } : {}),
    ...(s.initialC ? { c0: { dims: stateDims } } : {}),
  };
  const names = ['y', 'yh', ...(op === 'LSTM' ? ['yc'] : [])].map((o, k) => (outputs[k] ? o : ''));
  while (names[names.length - 1] === '') names.pop();
  const nodeInputs = ['x', 'w', 'r', s.bias ? 'b' : '', '', s.initialH ? 'h0' : '', ...(op === 'LSTM' ? [s.initialC ? 'c0' : '', s.peepholes ? 'p' : ''] : [])];
  for (const [k, v] of Object.entries(s.extraInputs ?? {})) nodeInputs[Number(k)] = v;
  while (nodeInputs[nodeInputs.length - 1] === '') nodeInputs.pop();
  const attrs: Record<string, Attr> = {
    hidden_size: HIDDEN,
    ...(direction !== 'forward' ? { direction } : {}),
    ...(s.activations ? { activations: s.activations } : {}),
    ...(s.alpha ? { activation_alpha: { floats: s.alpha } } : {}),
    ...(s.beta ? { activation_beta: { floats: s.beta } } : {}),
    ...(s.linearBeforeReset !== undefined ? { linear_before_reset: s.linearBeforeReset } : {}),
    ...s.attrs,
  };
  const node = makeNode(op, nodeInputs, names, layout === 1 ? { ...attrs, layout: 1 } : attrs);
  return {
    name,
    opset: s.opset ?? 14,
    nodes: [node],
    inits,
    inputs,
    outputs: Object.fromEntries(names.filter((o) => o).map((o) => [o, DataType.FLOAT])),
    ...(layout === 1 ? { oracleNodes: timeMajor(op, nodeInputs, names, attrs) } : {}),
  };
}

/** Layout 1 as ONNX defines it: the layout-0 node between Transposes of X, the states and the outputs. */
function timeMajor(op: Op, input: string[], output: string[], attrs: Record<string, Attr>): NodeProto[] {
  const swap = (v: string) => (v ? `${v}_t` : '');
  const into = [0, 5, 6].filter((k) => input[k]).map((k) => makeNode('Transpose', [input[k]!], [swap(input[k]!)], { perm: { ints: [1, 0, 2] } }));
  const inner = makeNode(op, input.map((v, k) => ([0, 5, 6].includes(k) ? swap(v) : v)), output.map(swap), attrs);
  // Y [steps, nd, batch, hidden] -> [batch, steps, nd, hidden]; Y_h, Y_c [nd, batch, hidden] -> [batch, nd, hidden].
  const out = output.map((v, k) => v && makeNode('Transpose', [swap(v)], [v], { perm: { ints: k === 0 ? [2, 0, 1, 3] : [1, 0, 2] } })).filter((n): n is NodeProto => n !== '');
  return [...into, inner, ...out];
}

// ---------------------------------------------------------------------------------------------
// The table: every op × direction × layout, the other variants rotated through them.

const OUTPUT_SUBSETS: Record<Op, boolean[][]> = {
  LSTM: [[true, true, true], [true, false, false], [false, true, false], [false, false, true], [true, true, false], [true, false, true], [false, true, true]],
  GRU: [[true, true], [true, false], [false, true]],
  RNN: [[true, true], [true, false], [false, true]],
};
const TABLE: OnnxCase[] = [];
let i = 0;
for (const op of ['LSTM', 'GRU', 'RNN'] as const)
  for (const direction of ['forward', 'reverse', 'bidirectional'] as const)
    for (const layout of [0, 1] as const) {
      const k = i++;
      const batch = layout === 1 && k % 3 === 0 ? 'N' : k % 2 === 0 ? 3 : 1;
      const spec: Spec = {
        op,
        direction,
        layout,
        batch,
        steps: k % 4 === 1 ? 2 : 3,
        bias: k % 2 === 0,
        initialH: k % 4 < 2,
        initialC: op === 'LSTM' && k % 3 !== 2,
        outputs: OUTPUT_SUBSETS[op][k % OUTPUT_SUBSETS[op].length],
        ...(op === 'GRU' ? { linearBeforeReset: (k % 2) as 0 | 1 } : {}),
      };
      TABLE.push(rnnCase(`${op} ${direction} layout ${layout}, batch ${batch}, ${spec.steps} steps${spec.bias ? ', B' : ''}${spec.initialH ? ', initial_h' : ''}${spec.initialC ? ', initial_c' : ''}${op === 'GRU' ? `, linear_before_reset ${spec.linearBeforeReset}` : ''}, outputs ${spec.outputs!.map(Number).join('')}`, spec));
    }

const FORMS: OnnxCase[] = [];
// GRU's linear_before_reset both ways with and without B and initial_h (a zero state leaves out other terms).
for (const lbr of [0, 1] as const)
  for (const [bias, initialH] of [[false, false], [true, true], [true, false], [false, true]] as const)
    FORMS.push(rnnCase(`GRU linear_before_reset ${lbr}${bias ? ', B' : ''}${initialH ? ', initial_h' : ''}`, { op: 'GRU', linearBeforeReset: lbr, bias, initialH, batch: 1, steps: 2 }));

// One step, and LSTM with initial_c alone (a zero h, a given c), Y_h and Y_c without Y (the one
// subset of the outputs the table leaves out).
FORMS.push(rnnCase('LSTM one step, B, both states', { op: 'LSTM', steps: 1, bias: true, initialH: true, initialC: true }));
FORMS.push(rnnCase('LSTM initial_c without initial_h, outputs 011', { op: 'LSTM', initialC: true, batch: 1, direction: 'reverse', outputs: [false, true, true] }));

// clip bounds every gate's and candidate's pre-activation (0.5: most of them are clipped).
for (const op of ['LSTM', 'GRU', 'RNN'] as const)
  for (const lbr of op === 'GRU' ? ([0, 1] as const) : [undefined])
    FORMS.push(rnnCase(`${op} clip 0.5${lbr !== undefined ? `, linear_before_reset ${lbr}` : ''}`, { op, direction: 'bidirectional', bias: true, initialH: true, initialC: op === 'LSTM', steps: 2, attrs: { clip: { f: 0.5 } }, ...(lbr !== undefined ? { linearBeforeReset: lbr } : {}) }));

// Peepholes: with initial_c, and from a zero state (the first step has no old-state terms), bidirectional, clipped.
FORMS.push(rnnCase('LSTM peepholes, initial_c', { op: 'LSTM', peepholes: true, bias: true, initialH: true, initialC: true, steps: 3 }));
FORMS.push(rnnCase('LSTM peepholes, zero states, bidirectional, layout 1', { op: 'LSTM', peepholes: true, direction: 'bidirectional', layout: 1, batch: 1, steps: 3 }));
FORMS.push(rnnCase('LSTM peepholes, clip 0.5, reverse', { op: 'LSTM', peepholes: true, direction: 'reverse', initialC: true, steps: 2, attrs: { clip: { f: 0.5 } } }));

// Every activation, with activation_alpha / beta consumed in order (defaults where ONNX and onnxruntime agree).
const ACTIVATION_CASES: [Op, string[], number[]?, number[]?][] = [
  ['RNN', ['Relu']],
  ['RNN', ['Sigmoid']],
  ['RNN', ['Affine'], [0.7], [0.2]],
  ['RNN', ['LeakyRelu']],
  ['RNN', ['LeakyRelu'], [0.3]],
  ['RNN', ['ThresholdedRelu'], [0.25]],
  ['RNN', ['ScaledTanh'], [1.5], [0.6]],
  ['RNN', ['HardSigmoid']],
  ['RNN', ['HardSigmoid'], [0.3], [0.4]],
  ['RNN', ['Elu'], [0.8]],
  ['RNN', ['Softsign']],
  ['RNN', ['Softplus']],
  ['RNN', ['Tanh', 'Relu']],
  ['GRU', ['HardSigmoid', 'Softsign'], [0.25], [0.45]],
  ['GRU', ['Sigmoid', 'Elu', 'HardSigmoid', 'Tanh']],
  ['LSTM', ['HardSigmoid', 'Tanh', 'Softplus']],
  ['LSTM', ['Sigmoid', 'ScaledTanh', 'Affine'], [1.2, 0.5], [0.7, 0.1]],
  ['LSTM', ['Sigmoid', 'Tanh', 'Tanh', 'HardSigmoid', 'Softsign', 'ThresholdedRelu'], [0.3, 0.1], [0.6]],
];
const ACTIVATIONS: OnnxCase[] = [];
for (const [op, activations, alpha, beta] of ACTIVATION_CASES) {
  const direction = activations.length > { RNN: 1, GRU: 2, LSTM: 3 }[op] ? 'bidirectional' : 'forward';
  ACTIVATIONS.push(rnnCase(`${op} ${activations.join(', ')}${alpha ? ` alpha ${alpha}` : ''}${beta ? ` beta ${beta}` : ''}`, { op, direction, activations, alpha, beta, bias: true, initialH: true, batch: 3, steps: 2 }));
}

// Opset 7 (no layout attribute yet) reads the same.
const OPSET_7 = [
  rnnCase('opset 7 LSTM bidirectional', { op: 'LSTM', direction: 'bidirectional', bias: true, initialH: true, initialC: true, opset: 7 }),
  rnnCase('opset 7 GRU linear_before_reset 1', { op: 'GRU', linearBeforeReset: 1, bias: true, opset: 7 }),
  rnnCase('opset 7 RNN reverse', { op: 'RNN', direction: 'reverse', bias: true, initialH: true, opset: 7 }),
];

describe('ONNX LSTM / GRU / RNN against onnxruntime', () => {
  for (const c of [...TABLE, ...FORMS, ...ACTIVATIONS, ...OPSET_7]) it(c.name, () => checkInterpreter(c));
  // Each group merged into one model: one build per group and backend.
  const GROUPS: [string, OnnxCase[]][] = [
    ...(['LSTM', 'GRU', 'RNN'] as const).map((op): [string, OnnxCase[]] => [`${op} × direction × layout`, TABLE.filter((c) => c.name.startsWith(`${op} `))]),
    ['GRU forms, peepholes, clip', FORMS],
    ['activations', ACTIVATIONS],
    ['opset 7', OPSET_7],
  ];
  for (const [name, cases] of GROUPS) {
    it(`${name}: wasm bundle, SIMD and scalar`, () => checkWasm(cases));
    it(`${name}: WebGPU bundle`, async () => {
      expect(await checkWebGpu(cases)).toBe(cases.length);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Refusals: each by name, at the node.

/** The refusal a case's import throws (code, node, message, hint). */
function refusal(c: OnnxCase, options = {}) {
  return catchNnc(() => loadOnnxGraph(writeCase(c), options));
}

describe('ONNX recurrent ops: what nnc refuses', () => {
  const at = (e: ReturnType<typeof refusal>) => ({ code: e.code, message: e.message });
  it('sequence_lens', () => {
    const c = rnnCase('seq', { op: 'LSTM', extraInputs: { 4: 'lens' } });
    const withLens: OnnxCase = { ...c, inputs: { ...c.inputs, lens: { dims: [3], type: DataType.INT32 } } };
    const e = refusal(withLens);
    expect(at(e).code).toBe('NNC6001');
    expect(e.message).toMatch(/node y\): LSTM: input 4, sequence_lens \('lens'\), is not supported/);
    expect(e.message).toMatch(/without sequence_lens/);
  });
  it('clip that is not a positive threshold', () => {
    const e = refusal(rnnCase('clip', { op: 'GRU', attrs: { clip: { f: -2.5 } } }));
    expect(e.code).toBe('NNC6001');
    expect(e.message).toMatch(/GRU attribute clip = -2\.5 is not a positive threshold/);
  });
  it('input_forget = 1', () => {
    const e = refusal(rnnCase('if', { op: 'LSTM', attrs: { input_forget: 1 } }));
    expect(e.code).toBe('NNC6001');
    expect(e.message).toMatch(/LSTM attribute input_forget = 1 is not supported \(only 0\)/);
  });
  it('an unknown sequence length (asks for --shape)', () => {
    // Layout 0: a symbolic first axis is the sequence, which nnc must know.
    const c = rnnCase('t', { op: 'RNN' });
    const e = refusal({ ...c, inputs: { x: { dims: ['T', 3, FEATURES] } } });
    expect(e.code).toBe('NNC6001');
    expect(e.message).toMatch(/RNN: X \('x'\) has an unknown sequence length \(shape \[\?,3,3\]\)/);
    expect(e.message).toMatch(/--shape x=STEPS,BATCH,FEATURES/);
    // Layout 1: the importer itself asks for the symbolic second axis.
    const c1 = rnnCase('t1', { op: 'RNN', layout: 1, batch: 'N' });
    const e1 = refusal({ ...c1, inputs: { x: { dims: ['N', 'T', FEATURES] } } });
    expect(e1.code).toBe('NNC6001');
    expect(e1.message).toMatch(/input 'x' has a symbolic axis 1 \('T'\)/);
    expect(e1.hint).toMatch(/--shape x=\?,SIZE,3/);
    // Given with --shape, it imports.
    expect(() => loadOnnxGraph(writeCase({ ...c1, inputs: { x: { dims: ['N', 'T', FEATURES] } } }), { shapes: { x: [null, 4, FEATURES] } })).not.toThrow();
  });
  it('an activation ONNX does not define, and alpha / beta nnc cannot place', () => {
    const unknown = refusal(rnnCase('a', { op: 'RNN', activations: ['Gelu'] }));
    expect(unknown.code).toBe('NNC6001');
    expect(unknown.message).toMatch(/RNN: activation 'Gelu' is not one ONNX defines for recurrent ops/);
    const missing = refusal(rnnCase('a', { op: 'RNN', activations: ['Affine'], alpha: [0.5] }));
    expect(missing.message).toMatch(/activation 'Affine' needs an activation_beta value/);
    const extra = refusal(rnnCase('a', { op: 'RNN', activations: ['Tanh'], alpha: [0.5] }));
    expect(extra.message).toMatch(/activation_alpha gives 1 and activation_beta 0 values, but the activations \[Tanh\] read 0 and 0/);
  });
  it('W given as a graph input', () => {
    const c = rnnCase('w', { op: 'RNN' });
    const e = refusal({ ...c, inits: c.inits!.filter((t) => t.name !== 'w'), inputs: { ...c.inputs, w: { dims: [1, HIDDEN, FEATURES] } } });
    expect(e.code).toBe('NNC6001');
    expect(e.message).toMatch(/RNN: W \('w'\) is computed or a graph input; nnc reads W, R, B and P from initializers/);
  });
  it('a malformed node: activations of the wrong count, weights of the wrong dims, hidden_size', () => {
    expect(refusal(rnnCase('n', { op: 'GRU', activations: ['Sigmoid'] })).message).toMatch(/GRU: activations lists 1 functions; GRU forward takes 2/);
    expect(refusal(rnnCase('n', { op: 'LSTM', attrs: { hidden_size: 5 } })).code).toBe('NNC6002');
    const c = rnnCase('n', { op: 'RNN', direction: 'bidirectional' });
    const e = refusal({ ...c, inits: [weights('w', [1, HIDDEN, FEATURES]), ...c.inits!.filter((t) => t.name !== 'w')] });
    expect(e.code).toBe('NNC6002');
    expect(e.message).toMatch(/RNN: W \('w'\) must have dims \[2, 4, 3\]/);
  });
  it('layout before opset 14', () => {
    const e = refusal(rnnCase('l', { op: 'RNN', layout: 1, opset: 13 }));
    expect(e.message).toMatch(/RNN: attribute layout exists from opset 14 on; this model imports opset 13/);
  });
});
