import type { GraphBuilder } from '../../ir/builder.js';
import type { Node } from '../../ir/graph.js';
import type { ActivationName } from '../../ir/activations.js';
import { formatKerasShape, type Dim, type Shape } from '../../ir/types.js';
import { kerasInitializer, type InitializerName } from '../initializers.js';
import { Layer, type LayerArgs, type LayerWeight, type LowerContext } from '../layer.js';
import { checkActivation, lowerActivation, tfjsActivationName } from './activation-lowering.js';

/** The arguments every recurrent layer takes (tfjs-layers' names and defaults). */
export interface RecurrentArgs extends LayerArgs {
  units: number;
  activation?: string;
  useBias?: boolean;
  kernelInitializer?: InitializerName;
  recurrentInitializer?: InitializerName;
  biasInitializer?: InitializerName;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  stateful?: boolean;
  dropout?: number;
  recurrentDropout?: number;
}

/** One recurrent step's operands: the states (null: all zeros, the first step without initial states). */
export type States = readonly (Node | null)[];

/** The weights a step reads, in the layer's weight order. */
export interface CellWeights {
  readonly recurrent: Node;
  readonly bias: Node | undefined;
  /** recurrentDropout's mask of the state ([batch, units]), one per sequence; undefined without it. */
  readonly stateMask: Node | undefined;
}

/**
 * Base of SimpleRNN, GRU and LSTM: a cell applied over a sequence of a known number of steps,
 * unrolled into IR at lowering. The input projection of every step is ONE matmul over all steps
 * ([batch, T, F] · [F, gates·units], bias added once), cut into steps by one `split`; each step
 * then adds its recurrent matmul and the cell's elementwise gates. Autodiff over the unrolled
 * graph is backpropagation through time. A zero state (no initial state given) is not
 * materialized: the first step leaves out the terms that multiply it.
 */
export abstract class RecurrentLayer extends Layer {
  override readonly arity = 'many' as const;
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  /** apply() returns [output, ...final states] (Keras' return_state). */
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  protected readonly kernelInitializer: InitializerName;
  protected readonly recurrentInitializer: InitializerName;
  protected readonly biasInitializer: InitializerName;
  readonly dropout: number;
  readonly recurrentDropout: number;
  /** Gate blocks in the kernels (1 for SimpleRNN, 3 for GRU, 4 for LSTM). */
  protected abstract readonly gates: number;
  /** States carried between steps (h; h and c for LSTM). */
  abstract readonly stateCount: number;

  /** The arguments the layer was made with, for copies (Bidirectional's forward and backward layers). */
  protected readonly args: RecurrentArgs;

  constructor(args: RecurrentArgs) {
    super(args);
    this.args = args;
    if (!Number.isInteger(args.units) || args.units <= 0) this.fail('NNC1006', `units must be a positive integer, got ${args.units}`);
    this.units = args.units;
    this.activation = checkActivation(args.activation ?? 'tanh', this.name);
    this.useBias = args.useBias ?? true;
    this.returnSequences = args.returnSequences ?? false;
    this.goBackwards = args.goBackwards ?? false;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.recurrentInitializer = args.recurrentInitializer ?? 'orthogonal';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
    this.returnState = args.returnState ?? false;
    if (args.stateful) this.fail('NNC1006', 'stateful is not supported (states do not persist between predict calls)');
    for (const key of ['dropout', 'recurrentDropout'] as const) {
      const rate = args[key] ?? 0;
      if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) this.fail('NNC1006', `${key} must be in [0, 1), got ${rate}`);
    }
    this.dropout = args.dropout ?? 0;
    this.recurrentDropout = args.recurrentDropout ?? 0;
  }

  computeOutputShape(shapes: readonly Shape[]): Shape {
    const [shape, ...states] = shapes;
    if (shape!.length !== 3 || shape![2] === null)
      this.fail('NNC2003', `needs an input of shape [batch, steps, features], got ${formatKerasShape(shape!)}`);
    if (shape![1] === null)
      this.fail('NNC2003', `needs a known number of steps, got ${formatKerasShape(shape!)}`, 'Give inputShape as [steps, features]: sequences of unknown length are not supported yet.');
    if (states.length !== 0 && states.length !== this.stateCount)
      this.fail('NNC1006', `takes the sequence and ${this.stateCount} initial state${this.stateCount > 1 ? 's' : ''}, got ${states.length} state${states.length === 1 ? '' : 's'}`);
    for (const s of states)
      if (s.length !== 2 || s[1] !== this.units) this.fail('NNC2003', `an initial state must have shape [batch, ${this.units}], got ${formatKerasShape(s)}`);
    return this.returnSequences ? [shape![0]!, shape![1]!, this.units] : [shape![0]!, this.units];
  }

  /** The layer consumes its sequence's mask (masked steps keep the states); a returned sequence keeps it, as Keras. */
  override get supportsMasking(): boolean {
    return true;
  }

  protected override outputMasks(operandsMasked: readonly boolean[], outputs: number): boolean[] {
    return Array.from({ length: outputs }, (_, k) => k === 0 && this.returnSequences && (operandsMasked[0] ?? false));
  }

  override lowerMasks(ctx: LowerContext): (Node | undefined)[] {
    return [this.returnSequences ? ctx.masks?.[0] : undefined];
  }

  override computeOutputShapes(shapes: readonly Shape[]): Shape[] {
    const output = this.computeOutputShape(shapes);
    return this.returnState ? [output, ...this.stateShapes(shapes[0]![0]!)] : [output];
  }

  /** The final states' shapes, [batch, units] each. */
  stateShapes(batch: Dim): Shape[] {
    return new Array<Shape>(this.stateCount).fill([batch, this.units]);
  }

  override get returnsList(): boolean {
    return this.returnState;
  }

  /** The same layer (class and arguments) with some arguments changed, for a wrapper to own. */
  copy(changes: Partial<RecurrentArgs>): RecurrentLayer {
    const { inputShape: _i, batchInputShape: _b, ...rest } = this.args;
    return new (this.constructor as new (args: RecurrentArgs) => RecurrentLayer)({ ...rest, ...changes });
  }

  /** Creates the weights for an input shape and returns them (a wrapper's weights are its layers'). */
  buildWeights(shapes: readonly Shape[]): readonly LayerWeight[] {
    this.build(shapes);
    return this.weights;
  }

  protected override build([shape]: readonly Shape[]): void {
    const features = shape![2] as number;
    const width = this.gates * this.units;
    this.addWeight('kernel', [features, width], this.kernelInitializer);
    this.addWeight('recurrent_kernel', [this.units, width], this.recurrentInitializer);
    if (this.useBias) this.addBias(width);
  }

  /** Adds the bias weight (GRU with resetAfter has two rows, LSTM may start its forget gate at 1). */
  protected addBias(width: number): void {
    this.addWeight('bias', [width], this.biasInitializer);
  }

  /** The bias added to the input projection (all of it, except GRU's recurrent row). */
  protected inputBias(_b: GraphBuilder, bias: Node): Node {
    return bias;
  }

  /** One step: the projected input of this step ([batch, gates·units]) and the states in, the states out. */
  protected abstract step(b: GraphBuilder, x: Node, states: States, w: CellWeights): Node[];

  lower(ctx: LowerContext): Node {
    return this.lowerSequence(ctx, false).output;
  }

  override lowerAll(ctx: LowerContext): Node[] {
    const { output, states } = this.lowerSequence(ctx, false);
    return this.returnState ? [output, ...states] : [output];
  }

  /**
   * The unrolled loop: the output and the final states. With returnSequences, the outputs come in
   * the order the steps ran (reversed for goBackwards, as Keras returns them), or in the opposite
   * order when `reversed` (Bidirectional's backward layer, which Keras reverses along time).
   */
  lowerSequence({ b, inputs, weights, masks }: LowerContext, reversed: boolean): { output: Node; states: Node[] } {
    const [x, ...initial] = inputs;
    const [kernel, recurrent, bias] = weights;
    const steps = x!.type.shape[1] as number;
    const width = this.gates * this.units;
    // dropout: one mask of the features per sequence ([batch, 1, features]), every step's input times it.
    const dropped = this.dropout > 0 ? b.op('mul', [x!, this.sequenceMask(b, steps === 1 ? x! : b.op('slice', [x!], { axis: 1, begin: 0, size: 1 }), this.dropout)]) : x!;
    let projected = b.op('matmul', [dropped, kernel!]);
    if (bias) projected = b.op('add', [projected, this.inputBias(b, bias)]);
    const perStep = steps === 1 ? [projected] : b.multi('split', [projected], { axis: 1, sizes: new Array<number>(steps).fill(1) });
    const order = perStep.map((_, t) => (this.goBackwards ? steps - 1 - t : t));
    let states: States = initial.length > 0 ? initial : new Array<null>(this.stateCount).fill(null);
    const rows = perStep.map((p) => b.op('reshape', [p], { shape: [width] }));
    // recurrentDropout: one mask of the state per sequence ([batch, units]), shaped from a step's row.
    const stateMask = this.recurrentDropout > 0 ? this.sequenceMask(b, b.op('slice', [rows[0]!], { axis: 1, begin: 0, size: this.units }), this.recurrentDropout) : undefined;
    // A mask ([batch, steps]): at a masked step every state keeps its value, so the output there
    // repeats the last one (tfjs-layers' rnn: new · m + old · (1 − m)).
    const mask = masks?.[0];
    const stepMasks = mask && (steps === 1 ? [mask] : b.multi('split', [mask], { axis: 1, sizes: new Array<number>(steps).fill(1) }));
    const outputs: Node[] = [];
    for (const t of order) {
      const next = this.step(b, rows[t]!, states, { recurrent: recurrent!, bias, stateMask });
      states = stepMasks ? keepMasked(b, stepMasks[t]!, next, states) : next;
      outputs.push(states[0]!);
    }
    const final = states as Node[];
    if (!this.returnSequences) return { output: outputs[outputs.length - 1]!, states: final };
    if (reversed) outputs.reverse();
    const sequence = outputs.map((h) => b.op('reshape', [h], { shape: [1, this.units] }));
    return { output: sequence.length === 1 ? sequence[0]! : b.op('concat', sequence, { axis: 1 }), states: final };
  }

  /**
   * Keras' dropout of a recurrent layer: ONE mask per sequence, applied at every step (tfjs-layers
   * and Keras' implementation 2 use it for every gate). It is `dropout` of ones shaped like `like`
   * (an elementwise op whose expression ignores its operand, so it is exactly 1): the identity at
   * inference, a seeded mask scaled by 1/(1 − rate) in a training step.
   */
  private sequenceMask(b: GraphBuilder, like: Node, rate: number): Node {
    return b.op('dropout', [b.op('elementwise', [like], { expr: '1' })], { rate });
  }

  /** The state as the recurrent products read it: times recurrentDropout's mask, if any. */
  protected recurrentState(b: GraphBuilder, h: Node, w: CellWeights): Node {
    return w.stateMask ? b.op('mul', [h, w.stateMask]) : h;
  }

  /** `activation(v)`, the layer's activation unless another is given. */
  protected act(b: GraphBuilder, v: Node, act: ActivationName = this.activation): Node {
    return lowerActivation(b, v, act);
  }

  /** `v + h · R` (just `v` for a zero state), h masked by recurrentDropout. */
  protected plusRecurrent(b: GraphBuilder, v: Node, h: Node | null, w: CellWeights): Node {
    return h ? b.op('add', [v, b.op('matmul', [this.recurrentState(b, h, w), w.recurrent])]) : v;
  }

  /** Cuts `v` into `n` blocks of `units` along its last axis. */
  protected gatesOf(b: GraphBuilder, v: Node, n: number): Node[] {
    return b.multi('split', [v], { axis: -1, sizes: new Array<number>(n).fill(this.units) });
  }

  protected recurrentConfig(): Record<string, unknown> {
    return {
      ...this.baseConfig(),
      return_sequences: this.returnSequences,
      return_state: this.returnState,
      go_backwards: this.goBackwards,
      stateful: false,
      unroll: false,
      units: this.units,
      activation: tfjsActivationName(this.activation),
      use_bias: this.useBias,
      kernel_initializer: kerasInitializer(this.kernelInitializer),
      recurrent_initializer: kerasInitializer(this.recurrentInitializer),
      bias_initializer: kerasInitializer(this.biasInitializer),
      kernel_regularizer: null,
      recurrent_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      recurrent_constraint: null,
      bias_constraint: null,
      dropout: this.dropout,
      recurrent_dropout: this.recurrentDropout,
    };
  }
}

/** The gated layers' extra argument: the activation of their gates (tfjs-layers' default: hardSigmoid). */
export interface GatedArgs extends RecurrentArgs {
  recurrentActivation?: string;
  /** Keras' implementation 1 or 2: the same math in another order of operations; accepted, not used. */
  implementation?: number;
}

/** `h = activation(x · W + h · R + b)`, as Keras SimpleRNN. */
export class SimpleRNN extends RecurrentLayer {
  readonly className = 'SimpleRNN';
  protected readonly gates = 1;
  readonly stateCount = 1;

  protected step(b: GraphBuilder, x: Node, [h]: States, w: CellWeights): Node[] {
    return [this.act(b, this.plusRecurrent(b, x, h!, w))];
  }

  getConfig(): Record<string, unknown> {
    return this.recurrentConfig();
  }
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

/** The gate activation shared by GRU and LSTM. */
abstract class GatedLayer extends RecurrentLayer {
  readonly recurrentActivation: ActivationName;
  protected readonly implementation: number;

  constructor(args: GatedArgs) {
    super(args);
    this.recurrentActivation = checkActivation(args.recurrentActivation ?? 'hardSigmoid', this.name);
    if (args.implementation !== undefined && args.implementation !== 1 && args.implementation !== 2)
      this.fail('NNC1006', `implementation must be 1 or 2, got ${args.implementation}`);
    if (args.implementation === 1 && (this.dropout > 0 || this.recurrentDropout > 0))
      this.fail('NNC1006', "implementation 1 with dropout is not supported: Keras draws one mask per gate there", 'Use implementation 2 (one mask for every gate, as tfjs-layers).');
    this.implementation = args.implementation ?? 2;
  }

  protected gate(b: GraphBuilder, v: Node): Node {
    return this.act(b, v, this.recurrentActivation);
  }

  protected gatedConfig(): Record<string, unknown> {
    return { ...this.recurrentConfig(), recurrent_activation: tfjsActivationName(this.recurrentActivation), implementation: this.implementation };
  }
}

export interface LSTMArgs extends GatedArgs {
  /** Start the forget gate's bias at 1 (Keras' default), whatever biasInitializer gives the rest. */
  unitForgetBias?: boolean;
}

/**
 * Keras LSTM, gates in Keras' order i, f, c, o:
 * c = f ⊙ c + i ⊙ act(z_c), h = o ⊙ act(c), the gates recurrentActivation(z_·).
 */
export class LSTM extends GatedLayer {
  readonly className = 'LSTM';
  protected readonly gates = 4;
  readonly stateCount = 2;
  readonly unitForgetBias: boolean;

  constructor(args: LSTMArgs) {
    super(args);
    this.unitForgetBias = args.unitForgetBias ?? true;
  }

  protected override addBias(width: number): void {
    const bias = this.addWeight('bias', [width], this.biasInitializer);
    if (this.unitForgetBias) bias.data.fill(1, this.units, 2 * this.units);
  }

  protected step(b: GraphBuilder, x: Node, [h, c]: States, w: CellWeights): Node[] {
    const [zi, zf, zc, zo] = this.gatesOf(b, this.plusRecurrent(b, x, h!, w), 4);
    const i = this.gate(b, zi!);
    const candidate = b.op('mul', [i, this.act(b, zc!)]);
    const cell = c ? b.op('add', [b.op('mul', [this.gate(b, zf!), c]), candidate]) : candidate;
    return [b.op('mul', [this.gate(b, zo!), this.act(b, cell)]), cell];
  }

  getConfig(): Record<string, unknown> {
    return { ...this.gatedConfig(), unit_forget_bias: this.unitForgetBias };
  }
}

export interface GRUArgs extends GatedArgs {
  /**
   * Apply the reset gate after the recurrent matmul (Keras 2's default, `CuDNN` compatible; two bias
   * rows, the input's and the recurrent's) or before it (tfjs-layers' only form, and its default).
   */
  resetAfter?: boolean;
}

/**
 * Keras GRU, gates in Keras' order z, r, h:
 * h' = z ⊙ h + (1 − z) ⊙ act(x_h + r ⊙ (h · R_h + b_rh))   (resetAfter), or
 * h' = z ⊙ h + (1 − z) ⊙ act(x_h + (r ⊙ h) · R_h)          (reset before the matmul).
 */
export class GRU extends GatedLayer {
  readonly className = 'GRU';
  protected readonly gates = 3;
  readonly stateCount = 1;
  readonly resetAfter: boolean;

  constructor(args: GRUArgs) {
    super(args);
    this.resetAfter = args.resetAfter ?? false;
  }

  protected override addBias(width: number): void {
    this.addWeight('bias', this.resetAfter ? [2, width] : [width], this.biasInitializer);
  }

  protected override inputBias(b: GraphBuilder, bias: Node): Node {
    return this.resetAfter ? b.multi('split', [bias], { axis: 0, sizes: [1, 1] })[0]! : bias;
  }

  protected step(b: GraphBuilder, x: Node, [h]: States, w: CellWeights): Node[] {
    const { recurrent, bias } = w;
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
        z = this.gate(b, b.op('add', [xz!, rz!]));
        const r = this.gate(b, b.op('add', [xr!, rr!]));
        candidate = this.act(b, b.op('add', [xh!, b.op('mul', [r, rh!])]));
      } else {
        z = this.gate(b, xz!);
        candidate = this.act(b, xh!);
      }
    } else if (hr) {
      const [rzr, rh] = b.multi('split', [recurrent], { axis: 1, sizes: [2 * this.units, this.units] });
      const [rz, rr] = this.gatesOf(b, b.op('matmul', [hr, rzr!]), 2);
      z = this.gate(b, b.op('add', [xz!, rz!]));
      const r = this.gate(b, b.op('add', [xr!, rr!]));
      candidate = this.act(b, b.op('add', [xh!, b.op('matmul', [b.op('mul', [r, hr]), rh!])]));
    } else {
      z = this.gate(b, xz!);
      candidate = this.act(b, xh!);
    }
    // z ⊙ h + (1 − z) ⊙ candidate, in tfjs' order of operations.
    const one = b.constant([1], { dtype: 'f32', shape: [] });
    const kept = b.op('mul', [b.op('sub', [one, z]), candidate]);
    return [h ? b.op('add', [b.op('mul', [z, h]), kept]) : kept];
  }

  getConfig(): Record<string, unknown> {
    return { ...this.gatedConfig(), reset_after: this.resetAfter };
  }
}
