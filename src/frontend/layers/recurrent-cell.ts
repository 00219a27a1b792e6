/**
 * The recurrent cells' step math and the unrolled time loop, in Keras' weight layout and gate
 * order, apart from any layer: the Keras layers (recurrent.ts) and the ONNX importer's LSTM / GRU /
 * RNN (onnx-rnn.ts, which rewrites ONNX weights into this layout) lower through the same code.
 * A cell's activations are functions, so each caller decides how a name becomes IR.
 */
import type { GraphBuilder } from '../../ir/builder.js';
import type { Node } from '../../ir/graph.js';

/** An elementwise activation of one gate block. */
export type Activation = (b: GraphBuilder, v: Node) => Node;

/** One recurrent step's operands: the states (null: all zeros, as before a first step without that initial state). */
export type States = readonly (Node | null)[];

/** The weights a step reads. */
export interface StepWeights {
  readonly recurrent: Node;
  readonly bias: Node | undefined;
  /** recurrentDropout's mask of the state ([batch, units]), one per sequence; undefined without it. */
  readonly stateMask: Node | undefined;
}

/** The weights of the whole sequence: kernel [F, gates·units], recurrent [units, gates·units], bias. */
export interface SequenceWeights {
  readonly kernel: Node;
  readonly recurrent: Node;
  readonly bias: Node | undefined;
}

/** A cell: its gate blocks, its states, and one step. */
export abstract class Cell {
  /** Gate blocks in the kernels (1 for SimpleRNN, 3 for GRU, 4 for LSTM). */
  abstract readonly gates: number;
  /** States carried between steps (h; h and c for LSTM). */
  abstract readonly stateCount: number;

  constructor(readonly units: number) {}

  /** The bias added to the input projection (all of it, except GRU's recurrent row). */
  inputBias(_b: GraphBuilder, bias: Node): Node {
    return bias;
  }

  /** One step: the projected input of this step ([batch, gates·units]) and the states in, the states out (h first). */
  abstract step(b: GraphBuilder, x: Node, states: States, w: StepWeights): Node[];

  /** The state as the recurrent products read it: times recurrentDropout's mask, if any. */
  protected recurrentState(b: GraphBuilder, h: Node, w: StepWeights): Node {
    return w.stateMask ? b.op('mul', [h, w.stateMask]) : h;
  }

  /** `v + h · R` (just `v` for a zero state), h masked by recurrentDropout. */
  protected plusRecurrent(b: GraphBuilder, v: Node, h: Node | null, w: StepWeights): Node {
    return h ? b.op('add', [v, b.op('matmul', [this.recurrentState(b, h, w), w.recurrent])]) : v;
  }

  /** Cuts `v` into `n` blocks of `units` along its last axis. */
  protected gatesOf(b: GraphBuilder, v: Node, n: number): Node[] {
    return b.multi('split', [v], { axis: -1, sizes: new Array<number>(n).fill(this.units) });
  }
}

/** `h = act(x · W + h · R + b)`, as Keras SimpleRNN (ONNX RNN). */
export class SimpleRNNCell extends Cell {
  readonly gates = 1;
  readonly stateCount = 1;

  constructor(units: number, private readonly act: Activation) {
    super(units);
  }

  step(b: GraphBuilder, x: Node, [h]: States, w: StepWeights): Node[] {
    return [this.act(b, this.plusRecurrent(b, x, h!, w))];
  }
}

/** The activations of an LSTM: of the gates i, f, o; of the candidate; of the cell state in h. */
export interface LSTMActivations {
  readonly gate: Activation;
  readonly candidate: Activation;
  readonly output: Activation;
}

/** Peephole weights ([units] each): the cell state's terms in the gates i, f (the old state) and o (the new). */
export interface Peepholes {
  readonly i: Node;
  readonly f: Node;
  readonly o: Node;
}

/**
 * LSTM, gates in Keras' order i, f, c, o:
 * c = f ⊙ c + i ⊙ candidate(z_c), h = o ⊙ output(c), the gates gate(z_·); with peepholes (ONNX's
 * P) the gates i, f also read p ⊙ c of the old state, o of the new one.
 */
export class LSTMCell extends Cell {
  readonly gates = 4;
  readonly stateCount = 2;

  constructor(
    units: number,
    private readonly act: LSTMActivations,
    private readonly peepholes?: Peepholes,
  ) {
    super(units);
  }

  step(b: GraphBuilder, x: Node, [h, c]: States, w: StepWeights): Node[] {
    const [zi, zf, zc, zo] = this.gatesOf(b, this.plusRecurrent(b, x, h!, w), 4);
    // z + p ⊙ state (just z without peepholes, or for a zero state).
    const peep = (z: Node, p: Node | undefined, state: Node | null) => (p && state ? b.op('add', [z, b.op('mul', [p, state])]) : z);
    const i = this.act.gate(b, peep(zi!, this.peepholes?.i, c!));
    const candidate = b.op('mul', [i, this.act.candidate(b, zc!)]);
    const cell = c ? b.op('add', [b.op('mul', [this.act.gate(b, peep(zf!, this.peepholes?.f, c)), c]), candidate]) : candidate;
    return [b.op('mul', [this.act.gate(b, peep(zo!, this.peepholes?.o, cell)), this.act.output(b, cell)]), cell];
  }
}

/** The activations of a GRU: of the gates z, r; of the candidate. */
export interface GRUActivations {
  readonly gate: Activation;
  readonly candidate: Activation;
}

/**
 * GRU, gates in Keras' (and ONNX's) order z, r, h:
 * h' = z ⊙ h + (1 − z) ⊙ candidate(x_h + r ⊙ (h · R_h + b_rh))   (resetAfter: ONNX linear_before_reset), or
 * h' = z ⊙ h + (1 − z) ⊙ candidate(x_h + (r ⊙ h) · R_h)          (reset before the matmul).
 * With resetAfter the bias has two rows, the input's and the recurrent's.
 */
export class GRUCell extends Cell {
  readonly gates = 3;
  readonly stateCount = 1;

  constructor(
    units: number,
    private readonly resetAfter: boolean,
    private readonly act: GRUActivations,
  ) {
    super(units);
  }

  override inputBias(b: GraphBuilder, bias: Node): Node {
    return this.resetAfter ? b.multi('split', [bias], { axis: 0, sizes: [1, 1] })[0]! : bias;
  }

  step(b: GraphBuilder, x: Node, [h]: States, w: StepWeights): Node[] {
    const { recurrent, bias } = w;
    const gate = (v: Node) => this.act.gate(b, v);
    // Keras: the recurrent products read the masked state, the update z ⊙ h the state itself.
    const hr = h ? this.recurrentState(b, h, w) : null;
    const [xz, xr, xh] = this.gatesOf(b, x, 3);
    let z: Node;
    let candidate: Node;
    if (this.resetAfter) {
      // h · R + b_recurrent, all three blocks at once (just the bias for a zero state).
      const recurrentBias = bias ? b.multi('split', [bias], { axis: 0, sizes: [1, 1] })[1]! : undefined;
      const product = hr ? b.op('matmul', [hr, recurrent]) : undefined;
      const inner = product && recurrentBias ? b.op('add', [product, recurrentBias]) : (product ?? recurrentBias);
      if (inner) {
        const [rz, rr, rh] = this.gatesOf(b, inner, 3);
        z = gate(b.op('add', [xz!, rz!]));
        const r = gate(b.op('add', [xr!, rr!]));
        candidate = this.act.candidate(b, b.op('add', [xh!, b.op('mul', [r, rh!])]));
      } else {
        z = gate(xz!);
        candidate = this.act.candidate(b, xh!);
      }
    } else if (hr) {
      const [rzr, rh] = b.multi('split', [recurrent], { axis: 1, sizes: [2 * this.units, this.units] });
      const [rz, rr] = this.gatesOf(b, b.op('matmul', [hr, rzr!]), 2);
      z = gate(b.op('add', [xz!, rz!]));
      const r = gate(b.op('add', [xr!, rr!]));
      candidate = this.act.candidate(b, b.op('add', [xh!, b.op('matmul', [b.op('mul', [r, hr]), rh!])]));
    } else {
      z = gate(xz!);
      candidate = this.act.candidate(b, xh!);
    }
    // z ⊙ h + (1 − z) ⊙ candidate, in tfjs' order of operations.
    const one = b.constant([1], { dtype: 'f32', shape: [] });
    const kept = b.op('mul', [b.op('sub', [one, z]), candidate]);
    return [h ? b.op('add', [b.op('mul', [z, h]), kept]) : kept];
  }
}

export interface UnrollOptions {
  /** Run the steps from the last to the first. */
  readonly goBackwards: boolean;
  /** Keras' dropout and recurrentDropout rates (0: none). */
  readonly dropout?: number;
  readonly recurrentDropout?: number;
  /** Keras' mask of the steps ([batch, steps], 1 for a step that counts), if the sequence has one. */
  readonly mask?: Node | undefined;
}

/** The unrolled loop's results: h of every step in the order the steps ran, and the final states. */
export interface Unrolled {
  readonly outputs: readonly Node[];
  readonly states: readonly Node[];
}

/**
 * The unrolled loop over a sequence x [batch, steps, features] of a known number of steps. x is
 * cut into steps by one `split`; each step projects its input (a matmul, the bias in its
 * epilogue), adds its recurrent matmul and applies the cell's elementwise gates. Projecting each
 * step apart keeps a step's values in cache: one projection of every step at once (14.7 MB for
 * the LSTM example at batch 256), cut into steps by a copy, made batch 256 a third slower.
 * `initial` holds one entry per state, null for a zero state (never materialized).
 */
export function unroll(b: GraphBuilder, cell: Cell, x: Node, w: SequenceWeights, initial: States, options: UnrollOptions): Unrolled {
  const steps = x.type.shape[1] as number;
  const dropout = options.dropout ?? 0;
  const recurrentDropout = options.recurrentDropout ?? 0;
  // dropout: one mask of the features per sequence ([batch, 1, features]), every step's input times it.
  const dropped = dropout > 0 ? b.op('mul', [x, sequenceMask(b, steps === 1 ? x : b.op('slice', [x], { axis: 1, begin: 0, size: 1 }), dropout)]) : x;
  const features = x.type.shape[2] as number;
  const inputBias = w.bias && cell.inputBias(b, w.bias);
  const perStep = cutSteps(b, dropped, steps);
  const order = perStep.map((_, t) => (options.goBackwards ? steps - 1 - t : t));
  const rows = perStep.map((x_t) => {
    const projected = b.op('matmul', [b.op('reshape', [x_t], { shape: [features] }), w.kernel]);
    return inputBias ? b.op('add', [projected, inputBias]) : projected;
  });
  // recurrentDropout: one mask of the state per sequence ([batch, units]), shaped from a step's row.
  const stateMask = recurrentDropout > 0 ? sequenceMask(b, b.op('slice', [rows[0]!], { axis: 1, begin: 0, size: cell.units }), recurrentDropout) : undefined;
  // A mask: at a masked step every state keeps its value, so the output there repeats the last
  // one (tfjs-layers' rnn: new · m + old · (1 − m)).
  const { mask } = options;
  const stepMasks = mask && cutSteps(b, mask, steps);
  let states: States = initial;
  const outputs: Node[] = [];
  for (const t of order) {
    const next = cell.step(b, rows[t]!, states, { recurrent: w.recurrent, bias: w.bias, stateMask });
    states = stepMasks ? keepMasked(b, stepMasks[t]!, next, states) : next;
    outputs.push(states[0]!);
  }
  return { outputs, states: states as Node[] };
}

/** `v` [batch, steps, ...] as its steps, [batch, 1, ...] each (one split; `v` itself for one step). */
function cutSteps(b: GraphBuilder, v: Node, steps: number): Node[] {
  return steps === 1 ? [v] : b.multi('split', [v], { axis: 1, sizes: new Array<number>(steps).fill(1) });
}

/** Each state: `next` where the step counts (m = 1), the state before where it is masked (m = 0; zeros before the first step). */
function keepMasked(b: GraphBuilder, m: Node, next: readonly Node[], before: States): Node[] {
  const kept = (i: number) => (before[i] ? b.op('mul', [before[i]!, b.op('sub', [b.constant([1], { dtype: 'f32', shape: [] }), m])]) : undefined);
  return next.map((s, i) => {
    const counted = b.op('mul', [s, m]);
    const old = kept(i);
    return old ? b.op('add', [counted, old]) : counted;
  });
}

/**
 * Keras' dropout of a recurrent layer: ONE mask per sequence, applied at every step (tfjs-layers
 * and Keras' implementation 2 use it for every gate). It is `dropout` of ones shaped like `like`
 * (an elementwise op whose expression ignores its operand, so it is exactly 1): the identity at
 * inference, a seeded mask scaled by 1/(1 − rate) in a training step.
 */
function sequenceMask(b: GraphBuilder, like: Node, rate: number): Node {
  return b.op('dropout', [b.op('elementwise', [like], { expr: '1' })], { rate });
}
