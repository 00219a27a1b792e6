/**
 * ONNX's recurrent operators LSTM, GRU and RNN (opsets 7-25) as nnc IR. Each direction's weights
 * are rewritten at import into Keras' layout (kernel [input, gates·hidden], recurrent
 * [hidden, gates·hidden], LSTM's gates from ONNX's i, o, f, c into Keras' i, f, c, o; the bias
 * Wb + Rb, or GRU's two rows [Wb; Rb] with linear_before_reset, which is Keras' resetAfter), and
 * the sequence is unrolled by the same cells and loop as the Keras layers (layers/recurrent-cell.ts).
 * A reverse direction runs the steps backwards; its Y is put back in time order.
 *
 * LSTM's peepholes (P) and `clip` (of every gate's and candidate's pre-activation) are computed
 * as ONNX defines them. W, R, B and P must be initializers. Refused by name: sequence_lens,
 * input_forget = 1, an unknown sequence length, an activation without an exact IR form.
 */
import { NncError } from '../../errors.js';
import type { Node } from '../../ir/graph.js';
import { reshapeAttrs } from '../../ir/ops/reshape.js';
import * as s from '../../ir/scalar-expr.js';
import { formatShape, type Dim } from '../../ir/types.js';
import { GRUCell, LSTMCell, SimpleRNNCell, unroll, type Activation, type Cell, type Peepholes } from '../layers/recurrent-cell.js';
import { integer, number, numbers, only, strings, type AttrTable } from './attributes.js';
import { nodeName, op } from './onnx-op.js';
import { rnnActivations } from './onnx-rnn-activations.js';
import type { OnnxContext, OnnxInit, OnnxNode, OnnxOp } from './onnx.js';
import { irSafeName } from './shared.js';

type Kind = 'RNN' | 'GRU' | 'LSTM';

/** Per op: the ONNX gate block each of Keras' gate blocks is, and the default activations of one direction. */
const KINDS: Readonly<Record<Kind, { readonly gates: readonly number[]; readonly activations: readonly string[] }>> = {
  RNN: { gates: [0], activations: ['Tanh'] },
  // z, r, h in both.
  GRU: { gates: [0, 1, 2], activations: ['Sigmoid', 'Tanh'] },
  // Keras i, f, c, o are ONNX blocks 0, 2, 3, 1 (ONNX: i, o, f, c).
  LSTM: { gates: [0, 2, 3, 1], activations: ['Sigmoid', 'Tanh', 'Tanh'] },
};

const COMMON = {
  activation_alpha: numbers([]),
  activation_beta: numbers([]),
  activations: strings(),
  clip: number(),
  direction: only('forward', 'reverse', 'bidirectional'),
  hidden_size: integer(),
  layout: only(0, 1),
} satisfies AttrTable;

const ATTRS: Readonly<Record<Kind, AttrTable>> = {
  RNN: COMMON,
  GRU: { ...COMMON, linear_before_reset: only(0, 1) },
  LSTM: { ...COMMON, input_forget: only(0) },
};

/** The attribute values a recurrent op's build reads. */
interface RnnAttrs {
  readonly activation_alpha: readonly number[];
  readonly activation_beta: readonly number[];
  readonly activations: readonly string[] | undefined;
  readonly clip: number | undefined;
  readonly direction: 'forward' | 'reverse' | 'bidirectional';
  readonly hidden_size: number | undefined;
  readonly layout: 0 | 1;
  readonly linear_before_reset?: 0 | 1;
}

/**
 * A refusal of this node and what to do instead (NNC6001, collected with the others; a list of
 * problems shows each one's first line, so the remedy is in it too).
 */
const refusal = (n: OnnxNode, ctx: OnnxContext, detail: string, hint: string): NncError =>
  new NncError('NNC6001', `${n.opType}: ${detail}. ${hint}`, { location: { file: ctx.path, node: nodeName(n) }, hint });
/** A node ONNX itself does not allow (NNC6002). */
const malformed = (n: OnnxNode, ctx: OnnxContext, detail: string): NncError =>
  new NncError('NNC6002', `${n.opType}: ${detail}`, { location: { file: ctx.path, node: nodeName(n) } });

const recurrent = (kind: Kind): OnnxOp =>
  op(ATTRS[kind], (n, ctx, attrs) => {
    const a = attrs as unknown as RnnAttrs;
    const { b } = ctx;
    if (n.input[4])
      throw refusal(n, ctx, `input 4, sequence_lens ('${n.input[4]}'), is not supported`, 'nnc runs every sequence of a batch to its full length; export the model without sequence_lens (every sequence as long as X).');
    if (a.clip !== undefined && !(a.clip > 0)) ctx.refuse(n, 'clip', a.clip, 'is not a positive threshold');
    if (n.attrs.has('layout') && ctx.opset < 14) ctx.refuseNode(n, `attribute layout exists from opset 14 on; this model imports opset ${ctx.opset}`);

    const X = ctx.operand(n.input[0]!);
    if (X.type.dtype !== 'f32') ctx.refuseNode(n, `X ('${n.input[0]}') is ${X.type.dtype}; nnc computes ${kind} on FLOAT only`);
    if (X.type.shape.length !== 3) throw malformed(n, ctx, `X ('${n.input[0]}') must have rank 3, got shape ${formatShape(X.type.shape)}`);
    const [seqAxis, batchAxis] = a.layout === 0 ? [0, 1] : [1, 0];
    const steps = X.type.shape[seqAxis];
    if (steps === null)
      throw refusal(n, ctx, `X ('${n.input[0]}') has an unknown sequence length (shape ${formatShape(X.type.shape)}); nnc unrolls the steps, so it needs their number`, `Give the input's sizes with --shape, the sequence axis included (e.g. --shape ${n.input[0]}=${a.layout === 0 ? 'STEPS,BATCH,FEATURES' : '?,STEPS,FEATURES'}).`);
    const batch = X.type.shape[batchAxis]!;
    // [batch, steps, features], the cells' layout.
    const x = a.layout === 0 ? b.op('transpose', [X], { perm: [1, 0, 2] }) : X;

    const directions = a.direction === 'bidirectional' ? ['forward', 'reverse'] : [a.direction];
    const nd = directions.length;
    const { gates } = KINDS[kind];
    const W = weightInit(n, ctx, 1, 'W');
    const R = weightInit(n, ctx, 2, 'R');
    const B = n.input[3] ? weightInit(n, ctx, 3, 'B') : undefined;
    const P = kind === 'LSTM' && n.input[7] ? weightInit(n, ctx, 7, 'P') : undefined;
    if (R.dims.length !== 3 || !(R.dims[2]! > 0)) throw malformed(n, ctx, `R ('${R.name}') must have dims [directions, gates·hidden, hidden] with hidden > 0, got [${R.dims.join(', ')}]`);
    const hidden = R.dims[2]!;
    const features = X.type.shape[2] as number;
    const expectDims = (init: OnnxInit, what: string, dims: number[]) => {
      if (init.dims.length !== dims.length || init.dims.some((d, i) => d !== dims[i]))
        throw malformed(n, ctx, `${what} ('${init.name}') must have dims [${dims.join(', ')}] (direction ${a.direction}, hidden_size ${hidden}, ${features} features), got [${init.dims.join(', ')}]`);
    };
    if (a.hidden_size !== undefined && a.hidden_size !== hidden) throw malformed(n, ctx, `hidden_size is ${a.hidden_size}, but R ('${R.name}') has dims [${R.dims.join(', ')}]`);
    const width = gates.length * hidden;
    expectDims(W, 'W', [nd, width, features]);
    expectDims(R, 'R', [nd, width, hidden]);
    if (B) expectDims(B, 'B', [nd, 2 * width]);
    if (P) expectDims(P, 'P', [nd, 3 * hidden]);

    const resetAfter = kind === 'GRU' && a.linear_before_reset === 1;
    const perDirection = KINDS[kind].activations.length;
    const names = a.activations ?? directions.flatMap(() => KINDS[kind].activations);
    if (names.length !== perDirection * nd)
      throw malformed(n, ctx, `activations lists ${names.length} functions; ${kind} ${a.direction} takes ${perDirection * nd} (${perDirection} per direction)`);
    const acts = rnnActivations(names, a.activation_alpha, a.activation_beta);
    if (typeof acts === 'string') throw refusal(n, ctx, acts, 'Export the model with activations nnc computes exactly, each alpha / beta given.');

    const initialH = initialState(n, ctx, 5, 'initial_h', a.layout, batch, hidden, nd);
    const initialC = kind === 'LSTM' ? initialState(n, ctx, 6, 'initial_c', a.layout, batch, hidden, nd) : undefined;
    const runs = directions.map((direction, d) => {
      // Named after the initializer it comes from, the direction and the form (made once per name).
      const derived = (init: OnnxInit, what: string, dims: number[], data: () => Float32Array) => ctx.derivedWeight(`${irSafeName(init.name)}/${direction}/${what}`, dims, data);
      const kernel = derived(W, 'kernel', [features, width], () => kerasMatrix(W.data, d, gates, hidden, features));
      const rec = derived(R, 'recurrent_kernel', [hidden, width], () => kerasMatrix(R.data, d, gates, hidden, hidden));
      const bias = B && derived(B, resetAfter ? 'bias_rows' : 'bias', resetAfter ? [2, width] : [width], () => kerasBias(B.data, d, gates, hidden, resetAfter));
      // P holds the peepholes of i, o, f.
      const peephole = (block: number, gate: string) => derived(P!, `peephole_${gate}`, [hidden], () => Float32Array.from({ length: hidden }, (_, j) => P!.data[(d * 3 + block) * hidden + j]!));
      const peepholes = P && { i: peephole(0, 'i'), o: peephole(1, 'o'), f: peephole(2, 'f') };
      const cell = makeCell(kind, hidden, resetAfter, acts.slice(d * perDirection, (d + 1) * perDirection), a.clip, peepholes);
      const initial = [initialH?.(d) ?? null, ...(kind === 'LSTM' ? [initialC?.(d) ?? null] : [])];
      const { outputs, states } = unroll(b, cell, x, { kernel, recurrent: rec, bias }, initial, { goBackwards: direction === 'reverse' });
      // Y holds a reverse direction's h in time order, not in the order its steps ran.
      return { sequence: direction === 'reverse' ? [...outputs].reverse() : outputs, states };
    });

    // [batch, nd, hidden] of each direction's final state, then ONNX's layout.
    const finalOf = (k: number): Node => {
      const rows = runs.map((r) => b.op('reshape', [r.states[k]!], reshapeAttrs([batch, 1, hidden])));
      const stacked = rows.length === 1 ? rows[0]! : b.op('concat', rows, { axis: 1 });
      return a.layout === 0 ? b.op('transpose', [stacked], { perm: [1, 0, 2] }) : stacked;
    };
    // [batch, steps, nd, hidden], then ONNX's layout ([steps, nd, batch, hidden] for layout 0).
    const sequenceY = (): Node => {
      const perDir = runs.map((r) => {
        const hs = r.sequence.map((h) => b.op('reshape', [h], reshapeAttrs([batch, 1, 1, hidden])));
        return hs.length === 1 ? hs[0]! : b.op('concat', hs, { axis: 1 });
      });
      const all = perDir.length === 1 ? perDir[0]! : b.op('concat', perDir, { axis: 2 });
      return a.layout === 0 ? b.op('transpose', [all], { perm: [1, 2, 0, 3] }) : all;
    };
    // Only the outputs the node names are built; an unnamed Y's slot (the importer skips it) holds
    // a value already built, so that Y_h and Y_c keep their positions.
    const wanted = (k: number) => Boolean(n.output[k]);
    const outputs: Node[] = [wanted(0) ? sequenceY() : runs[0]!.states[0]!];
    if (wanted(1) || wanted(2)) outputs.push(finalOf(0));
    if (kind === 'LSTM' && wanted(2)) outputs.push(finalOf(1));
    return outputs;
  });

/** W, R or B as an initializer of FLOAT values (nnc rewrites them into Keras' layout at import). */
function weightInit(n: OnnxNode, ctx: OnnxContext, k: number, what: string): OnnxInit {
  const name = n.input[k];
  if (!name) throw malformed(n, ctx, `has no input ${what} (input ${k})`);
  const init = ctx.constants.get(name);
  if (!init)
    throw refusal(n, ctx, `${what} ('${name}') is computed or a graph input; nnc reads W, R, B and P from initializers`, `Store ${what} as an initializer of the model (constant folding in the exporter usually does).`);
  if (init.elemType !== 'FLOAT') ctx.refuseNode(n, `${what} ('${name}') is ${init.elemType}; nnc computes ${n.opType} on FLOAT only`);
  return init;
}

/**
 * initial_h or initial_c of direction d as [batch, hidden], or undefined when the node has none
 * (a zero state, never materialized). ONNX holds it as [nd, batch, hidden] (layout 0) or
 * [batch, nd, hidden] (layout 1).
 */
function initialState(n: OnnxNode, ctx: OnnxContext, k: number, what: string, layout: 0 | 1, batch: Dim, hidden: number, nd: number): ((d: number) => Node) | undefined {
  const name = n.input[k];
  if (!name) return undefined;
  const { b } = ctx;
  const s = ctx.operand(name);
  const want: Dim[] = layout === 0 ? [nd, batch, hidden] : [batch, nd, hidden];
  if (s.type.dtype !== 'f32' || s.type.shape.length !== 3 || s.type.shape.some((v, i) => v !== want[i]))
    throw malformed(n, ctx, `${what} ('${name}') must be FLOAT of shape ${formatShape(want)} (as X and hidden_size say), got ${s.type.dtype} ${formatShape(s.type.shape)}`);
  const byBatch = layout === 0 ? b.op('transpose', [s], { perm: [1, 0, 2] }) : s;
  return (d) => {
    const one = nd === 1 ? byBatch : b.op('slice', [byBatch], { axis: 1, begin: d, size: 1 });
    return b.op('reshape', [one], reshapeAttrs([batch, hidden]));
  };
}

/**
 * The cell of one direction. `clip` bounds the input of every gate's and the candidate's activation
 * to [-clip, clip] (ONNX and onnxruntime: not the cell state LSTM's h reads).
 */
function makeCell(kind: Kind, hidden: number, resetAfter: boolean, acts: readonly Activation[], clip: number | undefined, peepholes: Peepholes | undefined): Cell {
  const clipped = (act: Activation): Activation =>
    clip === undefined ? act : (b, v) => act(b, b.op('elementwise', [v], { expr: s.printScalar(s.max(s.min(s.arg(0), s.lit(clip)), s.lit(-clip))) }));
  const [f, g] = acts.map(clipped) as [Activation, Activation];
  const h = acts[2]!;
  switch (kind) {
    case 'RNN':
      return new SimpleRNNCell(hidden, f);
    case 'GRU':
      return new GRUCell(hidden, resetAfter, { gate: f, candidate: g });
    case 'LSTM':
      return new LSTMCell(hidden, { gate: f, candidate: g, output: h }, peepholes);
  }
}

/**
 * Direction d of an ONNX weight [nd, gates·hidden, cols] as Keras' [cols, gates·hidden], Keras'
 * gate block g taken from ONNX block gates[g].
 */
function kerasMatrix(data: ArrayLike<number>, d: number, gates: readonly number[], hidden: number, cols: number): Float32Array {
  const width = gates.length * hidden;
  const out = new Float32Array(cols * width);
  gates.forEach((from, g) => {
    for (let j = 0; j < hidden; j++) {
      const row = (d * width + from * hidden + j) * cols;
      for (let c = 0; c < cols; c++) out[c * width + g * hidden + j] = data[row + c]!;
    }
  });
  return out;
}

/**
 * Direction d of ONNX's B [nd, 2·gates·hidden] ([Wb, Rb]) in Keras' gate order: Wb + Rb (one bias
 * added to the input projection), or with `rows` the two rows [Wb; Rb] (GRU's resetAfter, where
 * the recurrent bias sits inside the reset gate's product).
 */
function kerasBias(data: ArrayLike<number>, d: number, gates: readonly number[], hidden: number, rows: boolean): Float32Array {
  const width = gates.length * hidden;
  const out = new Float32Array(rows ? 2 * width : width);
  gates.forEach((from, g) => {
    for (let j = 0; j < hidden; j++) {
      const wb = data[d * 2 * width + from * hidden + j]!;
      const rb = data[d * 2 * width + width + from * hidden + j]!;
      if (rows) [out[g * hidden + j], out[width + g * hidden + j]] = [wb, rb];
      else out[g * hidden + j] = wb + rb;
    }
  });
  return out;
}

/** ONNX's recurrent operators. */
export const ONNX_RNN_OPS: Record<string, OnnxOp> = {
  LSTM: recurrent('LSTM'),
  GRU: recurrent('GRU'),
  RNN: recurrent('RNN'),
};
