import { NncError } from '../errors.js';
import { GraphBuilder } from '../ir/builder.js';
import type { Graph, Node } from '../ir/graph.js';
import { tensorType } from '../ir/types.js';
import { InputLayer } from './layers/input-layer.js';
import { hasUnknownSteps, Layer, SymbolicTensor, type LayerCall, type LowerContext } from './layer.js';
import { ReversedStream } from './reversed-stream.js';
import { stepKinds } from './step-kinds.js';
import { uniqueName } from './naming.js';
import { formatSummary } from './summary.js';
import { kerasLayerOrder } from './layer-order.js';
import type { CompileConfig } from './training-config.js';
import { tensor, type Tensor } from '../ir/tensor.js';
import type { FitHistory, ModelData, ModelFitArgs, ModelSession } from '../train/model-session.js';

export interface ModelArgs {
  inputs: SymbolicTensor | readonly SymbolicTensor[];
  outputs: SymbolicTensor | readonly SymbolicTensor[];
  name?: string;
}

/**
 * A model: a DAG of layer calls from input tensors to output tensors. Functional models are made
 * directly by `model()`; Sequential models build one from their layer list, so both styles share
 * this class and its lowering to IR.
 */
export class LayersModel {
  readonly name: string;
  protected graphInputs: SymbolicTensor[] = [];
  protected graphOutputs: SymbolicTensor[] = [];
  /** Layer calls in topological order (model inputs excluded). */
  protected orderedCalls: LayerCall[] = [];
  trainingConfig: CompileConfig | undefined;
  /** Set by a callback during `fit` to end it after the current epoch (Keras' `stop_training`). */
  stopTraining = false;
  /**
   * The optimizer of the compiled model once it trains (`fit`, `evaluate`): its `learningRate` can
   * be read and set between epochs (reduceLROnPlateau does), as Keras' `model.optimizer`.
   */
  optimizer: { learningRate: number } | undefined;
  /** Counts `setWeights` calls, so a running fit notices weights a callback replaced. */
  weightsVersion = 0;
  /** fit / evaluate / predict state (the trainer and its optimizer slots), made on first use. */
  private session: ModelSession | undefined;

  constructor(args: ModelArgs | undefined, defaultPrefix = 'model', name = args?.name) {
    this.name = name ?? uniqueName(defaultPrefix);
    if (args) this.setGraph(toList(args.inputs, 'inputs', this.name), toList(args.outputs, 'outputs', this.name));
  }

  /** Keras-style style of the model, which decides the summary layout. */
  get kind(): 'sequential' | 'functional' {
    return 'functional';
  }

  get inputs(): readonly SymbolicTensor[] {
    this.ensureGraph();
    return this.graphInputs;
  }

  get outputs(): readonly SymbolicTensor[] {
    this.ensureGraph();
    return this.graphOutputs;
  }

  /** Layer calls in topological order, model inputs excluded. */
  get calls(): readonly LayerCall[] {
    this.ensureGraph();
    return this.orderedCalls;
  }

  /**
   * Distinct layers as Keras' `model.layers` lists them: a Sequential model in order (no input
   * layer), a Functional model by depth from the outputs, its input layers included
   * (`layer-order.ts`).
   */
  get layers(): Layer[] {
    this.ensureGraph();
    if (this.kind === 'functional') return kerasLayerOrder(this.graphInputs, this.graphOutputs);
    return [...new Set(this.orderedCalls.map((c) => c.layer))];
  }

  countParams(): number {
    return this.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  /** Stores how the model is trained (optimizer, loss, metrics), as Keras' compile(). */
  compile(config: CompileConfig): void {
    this.trainingConfig = config;
    this.session = undefined;
    this.optimizer = undefined;
  }

  private async trainingSession(): Promise<ModelSession> {
    // The training backend (binaryen, the step compiler) loads only when a script trains.
    if (!this.session) this.session = new (await import('../train/model-session.js')).ModelSession(this);
    return this.session;
  }

  /**
   * Trains the weights on (x, y) as tfjs' `model.fit` does, on nnc's compiled training backend.
   * x and y are one tensor each (nested number arrays, `{ shape, data }` or tfjs Tensors), or for
   * several inputs / outputs a list in order or an object keyed by input / output name.
   */
  async fit(x: ModelData, y: ModelData, args: ModelFitArgs = {}): Promise<FitHistory> {
    return (await this.trainingSession()).fit(x, y, args);
  }

  /** The loss and metrics over (x, y), as Keras' `evaluate`: a number when there are no metrics. */
  async evaluate(x: ModelData, y: ModelData, args: { batchSize?: number } = {}): Promise<number | number[]> {
    return (await this.trainingSession()).evaluate(x, y, args);
  }

  /** The model's outputs for x: one tensor `{ shape, data }`, or one per output. */
  async predict(x: ModelData, args: { batchSize?: number } = {}): Promise<Tensor | Tensor[]> {
    return (await this.trainingSession()).predict(x, args);
  }

  /** Copies of every weight, layer by layer in `layers` order, as Keras' `get_weights()`. */
  getWeights(): Tensor[] {
    return this.layers.flatMap((l) => l.weights.map((w) => tensor(w.shape, Float32Array.from(w.data))));
  }

  /** Replaces every weight, in `getWeights()` order; shapes must match. */
  setWeights(weights: readonly { readonly shape: readonly number[]; readonly data: ArrayLike<number> }[]): void {
    const targets = this.layers.flatMap((l) => l.weights);
    if (weights.length !== targets.length)
      throw new NncError('NNC5002', `setWeights: model '${this.name}' has ${targets.length} weights, got ${weights.length}`, { hint: 'Pass the list getWeights() returns, with new values.' });
    targets.forEach((w, i) => {
      const given = weights[i]!;
      if (given.shape.length !== w.shape.length || given.shape.some((d, k) => d !== w.shape[k]) || given.data.length !== w.data.length)
        throw new NncError('NNC5002', `setWeights: weight ${i} ('${w.name}') has shape [${w.shape.join(',')}], got [${given.shape.join(',')}] with ${given.data.length} values`, {
          location: { layer: w.name.split('/')[0]! },
        });
    });
    targets.forEach((w, i) => (w.data = Float32Array.from(weights[i]!.data)));
    this.weightsVersion++;
  }

  /** The Keras summary table; printed with `print` (console.log by default) and returned. */
  summary(print: ((line: string) => void) | null = console.log): string {
    const text = formatSummary(this);
    if (print) for (const line of text.split('\n')) print(line);
    return text;
  }

  /** Whether an input is a sequence of unknown length (null steps): predict then takes the number of steps. */
  get hasUnknownSteps(): boolean {
    return this.inputs.some((t) => hasUnknownSteps(t.shape));
  }

  /**
   * For a model whose sequences have any length: the number of steps of the given data (one
   * example set per input, in order) for each such input, by input name, which `toGraph({ steps })`
   * unrolls to when the model trains or predicts on it; undefined for other models. (An encoder's
   * and a decoder's sequences may differ.)
   */
  stepsOf(xs: readonly { readonly shape: readonly number[] }[]): Record<string, number> | undefined {
    if (!this.hasUnknownSteps) return undefined;
    const steps: Record<string, number> = {};
    this.inputs.forEach((t, i) => {
      if (!hasUnknownSteps(t.shape)) return;
      const given = xs[i]?.shape[1];
      if (given === undefined || !Number.isInteger(given) || given < 1)
        throw new NncError('NNC5002', `input '${t.layer.name}' is a sequence of any length, but its data has shape [${xs[i]?.shape.join(', ') ?? ''}]`, {
          location: { layer: t.layer.name },
          hint: 'Give it [examples, steps, ...features], every sequence of one input padded to the same number of steps (Masking or Embedding maskZero can skip the padding).',
        });
      steps[t.layer.name] = given;
    });
    return steps;
  }

  /**
   * Lowers the model to SSA IR: inputs, then weights, then one group of nodes per layer call.
   * A model with a sequence of unknown length lowers to ONE step of a time loop (`graph.loop`,
   * time-loop.ts) whose host runs it once per step (refusing what one loop cannot run,
   * step-kinds.ts), or, given `steps` (one number, or one per such input by name), unrolled over
   * that many steps (how it trains and evaluates on data).
   */
  toGraph(options: { steps?: number | Readonly<Record<string, number>> } = {}): Graph {
    const stepwise = this.hasUnknownSteps && options.steps === undefined;
    const kinds = stepwise ? stepKinds(this.inputs, this.calls) : undefined;
    const stepsFor = (t: SymbolicTensor): number | undefined => {
      if (stepwise) return 1;
      const given = typeof options.steps === 'number' ? options.steps : options.steps?.[t.layer.name];
      if (options.steps !== undefined && given === undefined) throw new Error(`toGraph: no number of steps for input '${t.layer.name}'`);
      return given;
    };
    const b = new GraphBuilder();
    const values = new Map<SymbolicTensor, Node>();
    for (const t of this.inputs) {
      const steps = hasUnknownSteps(t.shape) ? stepsFor(t) : undefined;
      const shape = steps !== undefined ? [t.shape[0]!, steps, ...t.shape.slice(2)] : t.shape;
      values.set(t, b.input(t.layer.name, tensorType(shape, (t.layer as InputLayer).dtype === 'int32' ? 'i32' : 'f32')));
    }
    const weightNodes = new Map<Layer, Node[]>();
    for (const layer of this.layers) weightNodes.set(layer, layer.weights.map((w) => b.weight(w.name, tensorType(w.shape), w.data)));
    const masks = new Map<SymbolicTensor, Node>();
    const carries: Carry[] = [];
    const reversed = kinds && new ReversedStream(b, kinds, (t) => ({ value: values.get(t)!, mask: masks.get(t) }), (layer) => weightNodes.get(layer)!);
    for (const call of this.calls) {
      b.currentLayer = call.layer.name;
      const ctx = { b, inputs: call.inputs.map((t) => values.get(t)!), weights: weightNodes.get(call.layer)!, masks: call.inputs.map((t) => masks.get(t)) };
      const carrying = kinds?.get(call.inputs[0]!) === 'step' && call.layer.carriedStates().length > 0;
      const nodes = carrying ? lowerCarryingStep(call, ctx, reversed!, carries) : call.layer.lowerAll(ctx);
      call.outputs.forEach((t, k) => values.set(t, nodes[k]!));
      if (call.outputs.some((t) => t.masked)) {
        const outMasks = call.layer.lowerMasks(ctx);
        call.outputs.forEach((t, k) => t.masked && masks.set(t, outMasks[k]!));
      }
    }
    b.currentLayer = undefined;
    for (const [i, t] of this.outputs.entries()) b.output(this.outputNames[i]!, values.get(t)!);
    if (kinds) {
      for (const c of carries) {
        b.output(c.name, c.after);
        if (c.initial) b.output(c.initial.name, c.initial.value);
      }
      b.loop = {
        sequences: this.inputs.filter((t) => kinds.get(t) === 'step').map((t) => t.layer.name),
        carries: carries.map((c) => ({ name: c.name, ...(c.initial ? { initial: c.initial.name } : {}) })),
        perStep: this.outputs.flatMap((t, i) => (kinds.get(t) === 'step' ? [this.outputNames[i]!] : [])),
        reversed: reversed!.inputs,
      };
    }
    return b.build();
  }

  /** Output names: the producing layer's name, suffixed when one layer yields several outputs. */
  get outputNames(): string[] {
    const used = new Map<string, number>();
    return this.outputs.map((t) => {
      const base = t.layer.name;
      const n = used.get(base) ?? 0;
      used.set(base, n + 1);
      return n === 0 ? base : `${base}_${n}`;
    });
  }

  get inputNames(): string[] {
    return this.inputs.map((t) => t.layer.name);
  }

  /** Hook for Sequential, which builds its graph lazily. */
  protected ensureGraph(): void {}

  protected setGraph(inputs: SymbolicTensor[], outputs: SymbolicTensor[]): void {
    this.graphInputs = inputs;
    this.graphOutputs = outputs;
    this.orderedCalls = topologicalCalls(this.name, inputs, outputs);
    checkUniqueLayerNames(this.name, this.layers);
  }
}

/** A state a time loop carries: the loop input and output of this name, its value after the step, its initial value if given. */
interface Carry {
  readonly name: string;
  readonly after: Node;
  readonly initial?: { readonly name: string; readonly value: Node };
}

/**
 * One step of a layer that carries states over a sequence of any length (a recurrent layer): its
 * states before the step are new loop inputs, its states after it are recorded in `carries` (loop
 * outputs of the same names), with the initial states the call was given; returns its outputs.
 */
function lowerCarryingStep(call: LayerCall, ctx: LowerContext, reversed: ReversedStream, carries: Carry[]): Node[] {
  const { b } = ctx;
  const prefix = call.index === 0 ? call.layer.name : `${call.layer.name}/call_${call.index}`;
  const names = call.layer.carriedStates().map((_, k) => `${prefix}/state_${k}`);
  const before = call.layer.carriedStates().map((shape, k) => b.input(names[k]!, tensorType(shape)));
  const backward = call.layer.readsBackward() ? reversed.of(call.inputs[0]!) : undefined;
  const step = call.layer.lowerStep(backward ? { ...ctx, reversed: { inputs: [backward.value], masks: [backward.mask] } } : ctx, before);
  step.states.forEach((after, k) => {
    const given = ctx.inputs[1 + k];
    carries.push({ name: names[k]!, after, ...(given ? { initial: { name: `${names[k]}/initial`, value: given } } : {}) });
  });
  return step.outputs;
}

/** Two layers of one model may not share a name (their weights would share names too), as in Keras. */
function checkUniqueLayerNames(model: string, layers: readonly Layer[]): void {
  const seen = new Set<string>();
  for (const layer of layers) {
    if (seen.has(layer.name))
      throw new NncError('NNC2006', `model '${model}' has two layers named '${layer.name}'`, {
        location: { layer: layer.name },
        hint: 'Layer names must be unique within a model: rename one, or leave `name` out to get a generated one.',
      });
    seen.add(layer.name);
  }
}

function toList(x: SymbolicTensor | readonly SymbolicTensor[] | undefined, what: string, model: string): SymbolicTensor[] {
  const list = x instanceof SymbolicTensor ? [x] : Array.isArray(x) ? [...(x as SymbolicTensor[])] : [];
  if (list.length === 0 || !list.every((t) => t instanceof SymbolicTensor))
    throw new NncError('NNC2006', `model '${model}': ${what} must be a tensor or a non-empty array of tensors`, {
      hint: 'Pass the tensors returned by input() and layer.apply(), e.g. model({ inputs: x, outputs: y }).',
    });
  // One IR input or output per tensor: a tensor listed twice would name one value twice.
  const twice = list.find((t, i) => list.indexOf(t) !== i);
  if (twice) throw new NncError('NNC2006', `model '${model}': ${what} lists the tensor of layer '${twice.layer.name}' twice`, { hint: 'List each tensor once.' });
  return list;
}

/**
 * Orders the layer calls between the inputs and the outputs (depth-first, operands in order), and
 * checks the graph: no cycles, every input used, every output computed from the listed inputs.
 */
export function topologicalCalls(model: string, inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]): LayerCall[] {
  const order: LayerCall[] = [];
  const state = new Map<LayerCall, 'visiting' | 'done'>();
  const inputCalls = new Set(inputs.map((t) => t.call));
  for (const t of inputs)
    if (!(t.layer instanceof InputLayer))
      throw new NncError('NNC2006', `model '${model}': input ${t.toString()} is not a model input`, {
        location: { layer: t.layer.name },
        hint: 'Model inputs must be tensors returned by input().',
      });
  const reachedInputs = new Set<LayerCall>();
  /** Marks a call as being visited, or returns false when it needs no visit (done, or a model input). */
  const enter = (call: LayerCall, chain: readonly { call: LayerCall }[]): boolean => {
    const s = state.get(call);
    if (s === 'done') return false;
    if (s === 'visiting')
      throw new NncError('NNC2001', `${[...chain.map((f) => f.call.layer.name), call.layer.name].join(' -> ')}`, { location: { layer: call.layer.name } });
    if (inputCalls.has(call)) {
      reachedInputs.add(call);
      state.set(call, 'done');
      return false;
    }
    if (call.layer instanceof InputLayer)
      throw new NncError('NNC2005', `model '${model}' uses input '${call.layer.name}', which is not in its inputs`, {
        location: { layer: call.layer.name },
        hint: `Add it to model({ inputs: [...] }).`,
      });
    state.set(call, 'visiting');
    return true;
  };
  /** Post-order depth-first walk with an explicit stack: a model thousands of layers deep must not overflow the call stack. */
  const visit = (root: LayerCall): void => {
    const chain: { call: LayerCall; next: number }[] = [];
    if (enter(root, chain)) chain.push({ call: root, next: 0 });
    while (chain.length > 0) {
      const top = chain[chain.length - 1]!;
      if (top.next < top.call.inputs.length) {
        const operand = top.call.inputs[top.next++]!.call;
        if (enter(operand, chain)) chain.push({ call: operand, next: 0 });
        continue;
      }
      chain.pop();
      state.set(top.call, 'done');
      order.push(top.call);
    }
  };
  for (const t of outputs) visit(t.call);
  for (const t of inputs)
    if (!reachedInputs.has(t.call))
      throw new NncError('NNC2002', `input '${t.layer.name}' of model '${model}' does not reach any output`, { location: { layer: t.layer.name } });
  return order;
}

/** `model({inputs, outputs})`: a Functional-API model, as `tf.model` / `keras.Model`. */
export function model(args: ModelArgs): LayersModel {
  if (!args || typeof args !== 'object')
    throw new NncError('NNC2006', 'model() expects { inputs, outputs }', { hint: 'e.g. model({ inputs: x, outputs: y }).' });
  return new LayersModel(args);
}
