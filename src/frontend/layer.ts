import { NncError } from '../errors.js';
import type { GraphBuilder } from '../ir/builder.js';
import type { Node } from '../ir/graph.js';
import { formatKerasShape, sameShape, type Shape } from '../ir/types.js';
import { uniqueName, snakeCase } from './naming.js';
import type { InitializerName } from './initializers.js';
import { initialize } from './initializers.js';
import { checkWeightBytes } from './weight-limit.js';

/**
 * A tensor in a model definition: a shape (batch axis `null`) and the layer call that makes it.
 * No data flows through it; `model()` walks these back to the inputs to find the graph.
 */
export class SymbolicTensor {
  constructor(
    readonly shape: Shape,
    /** The call that produced it; for model inputs, the InputLayer's call. */
    readonly call: LayerCall,
    /** Its position among the call's outputs (Keras' tensor index, `lstm[0][1]`). */
    readonly index = 0,
    /** Whether it carries a Keras mask: which of its steps the layers after it skip. */
    readonly masked = false,
  ) {}

  get layer(): Layer {
    return this.call.layer;
  }

  toString(): string {
    return `SymbolicTensor${formatKerasShape(this.shape)} from ${this.call.layer.name}`;
  }
}

/**
 * Whether a shape is a sequence of unknown length, [batch, null, ...]: the step axis (axis 1) is
 * known only when predict is called, so the model runs one step at a time (time-loop.ts).
 */
export function hasUnknownSteps(shape: Shape): boolean {
  return shape.length >= 2 && shape[1] === null;
}

/** One application of a layer to inputs (a layer applied twice has two calls, one weight set). */
export interface LayerCall {
  readonly layer: Layer;
  readonly inputs: readonly SymbolicTensor[];
  /** The call's results: one for most layers; a recurrent layer with returnState adds its final states. */
  readonly outputs: readonly SymbolicTensor[];
  /** The first of `outputs` (the only one of most layers). */
  readonly output: SymbolicTensor;
  /** Position of this call among the layer's calls (Keras' node index, `dense_1[1][0]`). */
  readonly index: number;
}

/**
 * What `apply()` returns for a layer type: a list for a layer typed `returnsList: true` (what the
 * recurrent layers' factories return for `returnState: true`), else one tensor. A layer whose
 * returnState is only known at run time still returns a list: cast it, as tfjs users do.
 */
export type ApplyResult<L> = L extends { readonly returnsList: true } ? SymbolicTensor[] : SymbolicTensor;

export interface LayerWeight {
  /** Full name, `dense_1/kernel`. */
  readonly name: string;
  readonly shape: readonly number[];
  data: Float32Array;
  readonly trainable: boolean;
}

export interface LayerArgs {
  name?: string;
  /**
   * Shape of one example (no batch axis); makes a Sequential model's first layer create its input.
   * A sequence of any length has null steps: `[null, 81]`.
   */
  inputShape?: readonly (number | null)[];
  /** Full input shape with the batch axis (`null` for any batch size), as tfjs' batchInputShape. */
  batchInputShape?: readonly (number | null)[];
  trainable?: boolean;
}

/** Everything a layer's lowering needs: the builder, its operand nodes and its weight nodes. */
export interface LowerContext {
  readonly b: GraphBuilder;
  readonly inputs: readonly Node[];
  /** Weight nodes in the order of `layer.weights`. */
  readonly weights: readonly Node[];
  /** The operands' masks (f32 [batch, steps], 1 for a step that counts), where they carry one. */
  readonly masks?: readonly (Node | undefined)[];
  /**
   * For `lowerStep` of a layer that reads its sequence backwards (`readsBackward`): the sequence
   * operand (and its mask) at step steps − 1 − t of the loop's step t.
   */
  readonly reversed?: { readonly inputs: readonly Node[]; readonly masks?: readonly (Node | undefined)[] };
}

/**
 * Base class of every layer: naming, call bookkeeping, one weight set shared by all calls, and
 * the shape check for reuse. Subclasses declare the output shape, the weights and the lowering.
 */
export abstract class Layer {
  abstract readonly className: string;
  readonly name: string;
  readonly trainable: boolean;
  readonly weights: LayerWeight[] = [];
  readonly calls: LayerCall[] = [];
  readonly batchInputShape: Shape | undefined;
  private builtFor: Shape[] | undefined;

  constructor(args: LayerArgs = {}, defaultPrefix?: string) {
    this.name = args.name ?? uniqueName(defaultPrefix ?? snakeCase(new.target.name.replace(/Layer$/, '')));
    this.trainable = args.trainable ?? true;
    // The name becomes IR value names (an input's, `name/kernel`), where a plain number is a numbered value.
    if (args.name !== undefined && (typeof args.name !== 'string' || !/\D/.test(args.name)))
      this.fail('NNC1006', `name must be a string that is not a plain number, got ${JSON.stringify(args.name)}`, "Name layers with letters, e.g. 'dense_1'.");
    for (const key of ['batchInputShape', 'inputShape'] as const)
      if (args[key] != null && !Array.isArray(args[key])) this.fail('NNC1006', `${key} must be an array of sizes, got ${JSON.stringify(args[key])}`);
    this.batchInputShape = args.batchInputShape ? [...args.batchInputShape] : args.inputShape ? [null, ...args.inputShape] : undefined;
  }

  /** Output shape for the given input shapes; throws NncError (NNC2003) on a mismatch. */
  abstract computeOutputShape(inputShapes: readonly Shape[]): Shape;

  /** The shapes of every output of a call (one, unless the layer returns several tensors). */
  computeOutputShapes(inputShapes: readonly Shape[]): Shape[] {
    return [this.computeOutputShape(inputShapes)];
  }

  /** Creates weights for the first input shapes seen. Layers without weights keep the default. */
  protected build(_inputShapes: readonly Shape[]): void {}

  /** Emits the IR for one call and returns its result. */
  abstract lower(ctx: LowerContext): Node;

  /** Emits the IR for one call and returns one node per output (see computeOutputShapes). */
  lowerAll(ctx: LowerContext): Node[] {
    return [this.lower(ctx)];
  }

  /**
   * Keras' supports_masking: the layer maps each step on its own, so its output keeps its
   * input's mask (Dense, activations, Dropout, LayerNormalization).
   */
  get supportsMasking(): boolean {
    return this.lastAxisOnly;
  }

  /**
   * Which outputs carry a mask, given which operands do (Keras' compute_mask): the first
   * operand's, for a layer that supports masking. A mask reaching any other layer is refused,
   * as Keras and tfjs refuse it.
   */
  protected outputMasks(operandsMasked: readonly boolean[], outputs: number): boolean[] {
    if (this.supportsMasking) return new Array<boolean>(outputs).fill(operandsMasked[0] ?? false);
    if (operandsMasked.some((m) => m))
      this.fail('NNC1006', `does not support masking, but its input carries a mask (from Masking or an Embedding with maskZero)`, 'Keras refuses this too: end the masked part of the model with a recurrent layer (without returnSequences), or drop the mask.');
    return new Array<boolean>(outputs).fill(false);
  }

  /** The masks of a call's outputs, for the outputs outputMasks says carry one. */
  lowerMasks(ctx: LowerContext): (Node | undefined)[] {
    return [ctx.masks?.[0]];
  }

  /** Keras/tfjs-layers config, used to export tfjs Layers JSON. */
  abstract getConfig(): Record<string, unknown>;

  /** The dtype of the model input a Sequential model makes for this layer as its first: int32 for ids (Embedding). */
  readonly inputDtype: 'float32' | 'int32' = 'float32';

  /** Number of operands this layer takes: 1, or 'many' for merge layers. */
  readonly arity: 1 | 'many' = 1;

  /**
   * The layer maps each vector along the last axis on its own (Dense, activations, dropout, layer
   * normalization), so it computes the same on any leading axes: what TimeDistributed relies on.
   */
  readonly lastAxisOnly: boolean = false;

  /**
   * Whether the layer can read a sequence one step at a time, in order, each step on its own or
   * carrying states forward (`lowerStep`): what a sequence of unknown length asks of every layer
   * it reaches. The layers that work along the last axis can; a layer that reads across steps
   * (Flatten, Conv1D, pooling over time, a backward recurrent layer) cannot.
   */
  readsStepByStep(_inputShapes: readonly Shape[]): boolean {
    return this.lastAxisOnly;
  }

  /** The states a layer carries from one step to the next when it reads a sequence step by step (recurrent layers: h, c). */
  carriedStates(): Shape[] {
    return [];
  }

  /**
   * Whether `lowerStep` reads its sequence from the last step first (goBackwards, Bidirectional's
   * backward half): the loop then hands it step steps − 1 − t at its step t (`LowerContext.reversed`).
   */
  readsBackward(): boolean {
    return false;
  }

  /**
   * Lowers one step of a sequence of unknown length ([batch, 1, ...]), the states before it given
   * (carriedStates' shapes): the call's outputs and the states after the step.
   */
  lowerStep(_ctx: LowerContext, _states: readonly Node[]): { outputs: Node[]; states: Node[] } {
    throw new Error(`${this.className} carries no states`);
  }

  /**
   * Applies the layer to symbolic tensors, as Keras' `layer(x)` / tfjs' `layer.apply(x)`.
   * Merge layers take an array. A layer that returns several tensors (a recurrent layer with
   * `returnState`) returns them as a list, as Keras and tfjs do; the type says which, from the
   * layer's `returnState` (the layer factories type it from their arguments).
   */
  apply(inputs: SymbolicTensor | readonly SymbolicTensor[]): ApplyResult<this> {
    const outputs = this.applyAll(inputs);
    return (this.returnsList ? outputs : outputs[0]!) as ApplyResult<this>;
  }

  /** Whether apply() returns a list of tensors rather than one. */
  get returnsList(): boolean {
    return false;
  }

  /** Applies the layer (apply()'s bookkeeping and checks) and returns every output of the call. */
  applyAll(inputs: SymbolicTensor | readonly SymbolicTensor[]): SymbolicTensor[] {
    // Anything but a tensor or an array of them (undefined from an untyped caller) is refused below.
    const list = inputs instanceof SymbolicTensor ? [inputs] : Array.isArray(inputs) ? [...(inputs as readonly SymbolicTensor[])] : [];
    if (list.length === 0 || !list.every((t) => t instanceof SymbolicTensor))
      this.fail('NNC1006', 'apply() expects a SymbolicTensor (from input() or another layer), or an array of them');
    if (this.arity === 1 && list.length !== 1) this.fail('NNC1006', `takes one input, got ${list.length}`);
    const shapes = list.map((t) => t.shape);
    if (shapes.some(hasUnknownSteps) && !this.readsStepByStep(shapes))
      this.fail(
        'NNC1006',
        `reads across the steps of its input ${shapes.filter(hasUnknownSteps).map(formatKerasShape).join(', ')}, whose number of steps is unknown until predict`,
        'With a sequence of unknown length nnc runs the model one step at a time: the layers that read the sequence must work step by step (Dense, Embedding, Masking, activations, merges, TimeDistributed, forward SimpleRNN / GRU / LSTM). Give the number of steps, e.g. inputShape: [28, 81], to use this layer.',
      );
    if (this.builtFor) {
      const same = this.builtFor.length === shapes.length && shapes.every((s, i) => sameShape(s, this.builtFor![i]!));
      if (!same)
        this.fail(
          'NNC2004',
          `was built for input shape ${this.builtFor.map(formatKerasShape).join(', ')} and is now applied to ${shapes.map(formatKerasShape).join(', ')}`,
        );
    }
    const outShapes = this.computeOutputShapes(shapes);
    if (!this.builtFor) {
      this.build(shapes);
      this.builtFor = shapes;
    }
    const call: { layer: Layer; inputs: SymbolicTensor[]; outputs: SymbolicTensor[]; output?: SymbolicTensor; index: number } = {
      layer: this,
      inputs: list,
      outputs: [],
      index: this.calls.length,
    };
    const masked = this.outputMasks(list.map((t) => t.masked), outShapes.length);
    call.outputs = outShapes.map((shape, k) => new SymbolicTensor(shape, call as LayerCall, k, masked[k]));
    call.output = call.outputs[0]!;
    this.calls.push(call as LayerCall);
    return call.outputs;
  }

  /** The input shapes the layer was built for (after its first call). */
  get inputShapes(): readonly Shape[] | undefined {
    return this.builtFor;
  }

  countParams(): number {
    return this.weights.reduce((n, w) => n + w.data.length, 0);
  }

  protected addWeight(suffix: string, shape: readonly number[], init: InitializerName, trainable = true): LayerWeight {
    checkWeightBytes(shape.reduce((n, d) => n * d, 4), `weight ${this.name}/${suffix} of shape [${shape.join(', ')}]`, { layer: this.name });
    const w: LayerWeight = { name: `${this.name}/${suffix}`, shape: [...shape], data: initialize(init, shape), trainable: trainable && this.trainable };
    this.weights.push(w);
    return w;
  }

  protected fail(code: 'NNC1005' | 'NNC1006' | 'NNC2003' | 'NNC2004', detail: string, hint?: string): never {
    throw new NncError(code, detail, { location: { layer: this.name }, ...(hint ? { hint } : {}) });
  }

  protected baseConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { name: this.name, trainable: this.trainable, dtype: 'float32' };
    if (this.batchInputShape) config.batch_input_shape = this.batchInputShape;
    return config;
  }
}
