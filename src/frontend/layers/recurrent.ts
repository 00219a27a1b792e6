import type { Node } from '../../ir/graph.js';
import type { ActivationName } from '../../ir/activations.js';
import { formatKerasShape, type Dim, type Shape } from '../../ir/types.js';
import { kerasInitializer, type InitializerName } from '../initializers.js';
import { Layer, type LayerArgs, type LayerWeight, type LowerContext } from '../layer.js';
import { checkActivation, lowerActivation, tfjsActivationName } from './activation-lowering.js';
import { GRUCell, LSTMCell, SimpleRNNCell, unroll, type Activation, type Cell } from './recurrent-cell.js';

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

/**
 * Base of SimpleRNN, GRU and LSTM: a cell (recurrent-cell.ts, the step math) applied over a
 * sequence of a known number of steps, unrolled into IR at lowering (`unroll`), or, for a
 * sequence of unknown length, one step of it with the states carried by the host (`lowerStep`). Autodiff over the
 * unrolled graph is backpropagation through time. The layer owns Keras' weights, arguments and
 * config; its cell is made from them.
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
  private made: Cell | undefined;

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
    if (states.length !== 0 && states.length !== this.stateCount)
      this.fail('NNC1006', `takes the sequence and ${this.stateCount} initial state${this.stateCount > 1 ? 's' : ''}, got ${states.length} state${states.length === 1 ? '' : 's'}`);
    for (const s of states)
      if (s.length !== 2 || s[1] !== this.units) this.fail('NNC2003', `an initial state must have shape [batch, ${this.units}], got ${formatKerasShape(s)}`);
    return this.returnSequences ? [shape![0]!, shape![1]!, this.units] : [shape![0]!, this.units];
  }

  /** The layer reads its sequence one step at a time, carrying its states (from the last step for goBackwards). */
  override readsStepByStep(): boolean {
    return true;
  }

  override readsBackward(): boolean {
    return this.goBackwards;
  }

  override carriedStates(): Shape[] {
    return this.stateShapes(null);
  }

  /**
   * One step: the given states stand for the initial ones (the model carries them between steps).
   * goBackwards reads the step the loop hands it from the sequence's end; its outputs come in the
   * order the steps ran, as Keras returns them, so its step t is the loop's step t.
   */
  override lowerStep(ctx: LowerContext, states: readonly Node[]): { outputs: Node[]; states: Node[] } {
    const { output, states: after } = this.lowerSequence(this.stepContext(ctx, states), false);
    return { outputs: this.returnState ? [output, ...after] : [output], states: after };
  }

  /** The context of one step: the sequence in the direction the layer reads it, the states given. */
  stepContext(ctx: LowerContext, states: readonly Node[]): LowerContext {
    const source = this.goBackwards ? ctx.reversed! : ctx;
    return { ...ctx, inputs: [source.inputs[0]!, ...states], masks: [source.masks?.[0]] };
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

  /** The layer's cell, made once (after the subclass has read its own arguments). */
  protected get cell(): Cell {
    return (this.made ??= this.makeCell());
  }
  protected abstract makeCell(): Cell;

  /** States carried between steps (h; h and c for LSTM). */
  get stateCount(): number {
    return this.cell.stateCount;
  }

  /** Creates the weights for an input shape and returns them (a wrapper's weights are its layers'). */
  buildWeights(shapes: readonly Shape[]): readonly LayerWeight[] {
    this.build(shapes);
    return this.weights;
  }

  protected override build([shape]: readonly Shape[]): void {
    const features = shape![2] as number;
    const width = this.cell.gates * this.units;
    this.addWeight('kernel', [features, width], this.kernelInitializer);
    this.addWeight('recurrent_kernel', [this.units, width], this.recurrentInitializer);
    if (this.useBias) this.addBias(width);
  }

  /** Adds the bias weight (GRU with resetAfter has two rows, LSTM may start its forget gate at 1). */
  protected addBias(width: number): void {
    this.addWeight('bias', [width], this.biasInitializer);
  }

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
    const { outputs, states } = unroll(b, this.cell, x!, { kernel: kernel!, recurrent: recurrent!, bias }, initial.length > 0 ? initial : new Array<null>(this.stateCount).fill(null), {
      goBackwards: this.goBackwards,
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      mask: masks?.[0],
    });
    const final = [...states];
    if (!this.returnSequences) return { output: outputs[outputs.length - 1]!, states: final };
    const ordered = reversed ? [...outputs].reverse() : outputs;
    const sequence = ordered.map((h) => b.op('reshape', [h], { shape: [1, this.units] }));
    return { output: sequence.length === 1 ? sequence[0]! : b.op('concat', sequence, { axis: 1 }), states: final };
  }

  /** A Keras activation as the cell applies it. */
  protected activationFn(act: ActivationName): Activation {
    return (b, v) => lowerActivation(b, v, act);
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

  protected makeCell(): Cell {
    return new SimpleRNNCell(this.units, this.activationFn(this.activation));
  }

  getConfig(): Record<string, unknown> {
    return this.recurrentConfig();
  }
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


  protected gatedConfig(): Record<string, unknown> {
    return { ...this.recurrentConfig(), recurrent_activation: tfjsActivationName(this.recurrentActivation), implementation: this.implementation };
  }
}

export interface LSTMArgs extends GatedArgs {
  /** Start the forget gate's bias at 1 (Keras' default), whatever biasInitializer gives the rest. */
  unitForgetBias?: boolean;
}

/** Keras LSTM (LSTMCell): the gates recurrentActivation, the candidate and the output of c activation. */
export class LSTM extends GatedLayer {
  readonly className = 'LSTM';
  readonly unitForgetBias: boolean;

  constructor(args: LSTMArgs) {
    super(args);
    this.unitForgetBias = args.unitForgetBias ?? true;
  }

  protected override addBias(width: number): void {
    const bias = this.addWeight('bias', [width], this.biasInitializer);
    if (this.unitForgetBias) bias.data.fill(1, this.units, 2 * this.units);
  }

  protected makeCell(): Cell {
    const act = this.activationFn(this.activation);
    return new LSTMCell(this.units, { gate: this.activationFn(this.recurrentActivation), candidate: act, output: act });
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

/** Keras GRU (GRUCell): the gates z, r recurrentActivation, the candidate activation. */
export class GRU extends GatedLayer {
  readonly className = 'GRU';
  readonly resetAfter: boolean;

  constructor(args: GRUArgs) {
    super(args);
    this.resetAfter = args.resetAfter ?? false;
  }

  protected override addBias(width: number): void {
    this.addWeight('bias', this.resetAfter ? [2, width] : [width], this.biasInitializer);
  }

  protected makeCell(): Cell {
    return new GRUCell(this.units, this.resetAfter, { gate: this.activationFn(this.recurrentActivation), candidate: this.activationFn(this.activation) });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.gatedConfig(), reset_after: this.resetAfter };
  }
}
