/**
 * fit / evaluate / predict over the step graphs. The trainer owns the parameter and optimizer
 * state between steps; each batch is one `Executor.run` of the whole training step.
 */
import { NncError } from '../errors.js';
import { Random } from '../frontend/random.js';
import type { CompileConfig } from '../frontend/training-config.js';
import { Graph } from '../ir/graph.js';
import type { TensorMap } from '../ir/interpreter.js';
import { tensor, type Tensor, concatFloat32 } from '../ir/tensor.js';
import { tensorList, type Split } from './data/dataset.js';
import { asInputDtype, batchBuffer, exampleCount, gatherRows, sliceExamples, sliceRows, type Examples } from './batches.js';
import { interpreterExecutor, type Executor, type ExecutorFactory } from './executor.js';
import { logNames, resolveTrainingSpec, type TrainingSpec } from './compile-spec.js';
import { resolveOptimizer, type Optimizer } from './optimizers.js';
import type { FitCallbacks, Logs } from './progress.js';
import { buildStepGraphs, DROPOUT_SEED, paramInput, scalarInput, slotInput, stateInput, type StepGraphs } from './step-graph.js';

/**
 * Training data: x one tensor per model input, y one per output (class indices for sparse
 * losses, targets otherwise), axis 0 = examples.
 */
export type Data = Split;

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  /** Reshuffle the training examples before each epoch (default true, as Keras). */
  shuffle?: boolean;
  /** Hold out this fraction of the examples (the last ones, before shuffling, as Keras). */
  validationSplit?: number;
  validationData?: Data;
  callbacks?: FitCallbacks;
}

export type History = Record<string, number[]>;

/** What happens during a fit, in order: each epoch begins, its batches end, it ends. */
export type FitEvent =
  | { readonly kind: 'epochBegin'; readonly epoch: number; readonly epochs: number }
  | { readonly kind: 'batchEnd'; readonly step: number; readonly steps: number; readonly logs: Logs }
  | { readonly kind: 'epochEnd'; readonly epoch: number; readonly logs: Logs };

/** Calls the callback for `event`; returns what it returns (a promise, for asynchronous ones). */
export function dispatch(callbacks: FitCallbacks | undefined, event: FitEvent): unknown {
  if (event.kind === 'epochBegin') return callbacks?.onEpochBegin?.(event.epoch, event.epochs);
  if (event.kind === 'batchEnd') return callbacks?.onBatchEnd?.(event.step, event.steps, event.logs);
  return callbacks?.onEpochEnd?.(event.epoch, event.logs);
}

export interface TrainerOptions {
  /** Seeds shuffling and dropout masks (default 42). */
  seed?: number;
  executor?: ExecutorFactory;
  /** Trainable weight names (default: every weight of the graph). */
  trainable?: ReadonlySet<string>;
}


export class Trainer {
  readonly graphs: StepGraphs;
  readonly optimizer: Optimizer;
  readonly spec: TrainingSpec;
  /** The logged values after `loss`: each output's loss when there are several, then the metrics. */
  readonly metricNames: readonly string[];
  private readonly params = new Map<string, Float32Array>();
  private readonly slots = new Map<string, Float32Array>();
  /** Weights the step updates by the ops' own rules (moving statistics), by weight name. */
  private readonly state = new Map<string, Float32Array>();
  private readonly rng: Random;
  private readonly stepExec: Executor;
  private readonly evalExec: Executor;
  private readonly model: Graph;
  private readonly executorFactory: ExecutorFactory;
  /** The last step's outputs; the executor carries the state, these views read it back. */
  private lastStep: TensorMap | undefined;
  /** True once the executor holds the state (it was fed in); until then, steps feed it. */
  private stateInExecutor = false;
  /** Optimizer steps taken so far. */
  step = 0;
  /** Set by a callback to end a fit after the current epoch (Keras' `model.stop_training`). */
  stopTraining = false;
  /** A learning rate set by a callback (reduceLROnPlateau); replaces the optimizer's own. */
  private learningRateOverride: number | undefined;

  /** The learning rate of the next update. */
  get learningRate(): number {
    return this.learningRateAt(this.step);
  }

  set learningRate(value: number) {
    if (!(value > 0) || !Number.isFinite(value)) throw new NncError('NNC5005', `learning rate must be a positive number, got ${value}`);
    this.learningRateOverride = value;
  }

  /** The learning rate after `updates` earlier updates: set, scheduled, or fixed. */
  private learningRateAt(updates: number): number {
    if (this.learningRateOverride !== undefined) return this.learningRateOverride;
    const lr = this.optimizer.learningRate;
    return typeof lr === 'number' ? lr : lr.at(updates);
  }

  constructor(model: Graph, config: CompileConfig, options: TrainerOptions = {}) {
    this.model = model;
    this.spec = resolveTrainingSpec(model, config);
    this.metricNames = logNames(this.spec);
    this.optimizer = resolveOptimizer(config.optimizer);
    const trainable = options.trainable ?? new Set(model.weightNodes.map((w) => w.name!));
    this.graphs = buildStepGraphs(model, trainable, this.spec, this.optimizer);
    for (const p of this.graphs.params) {
      this.params.set(p.name, Float32Array.from(model.weights.get(p.name)!));
      for (const s of this.optimizer.slots) this.slots.set(slotInput(s, p.name), new Float32Array(p.shape.reduce((a, d) => a * d, 1)));
    }
    for (const w of this.graphs.state) this.state.set(w.name, Float32Array.from(model.weights.get(w.name)!));
    this.rng = new Random(options.seed ?? 42);
    const factory = (this.executorFactory = options.executor ?? interpreterExecutor);
    const state = [
      ...this.graphs.params.flatMap((p) => [paramInput(p.name), ...this.optimizer.slots.map((s) => slotInput(s, p.name))]),
      ...this.graphs.state.map((w) => stateInput(w.name)),
    ];
    this.stepExec = factory(this.graphs.train, { carry: new Set(state) });
    this.evalExec = factory(this.graphs.evaluate);
  }

  /** Current values of the trainable weights. */
  weights(): ReadonlyMap<string, Float32Array> {
    this.syncState();
    return this.params;
  }

  /** Copies the state the step executor carries into the trainer's arrays. */
  private syncState(): void {
    const out = this.lastStep;
    if (!out) return;
    this.lastStep = undefined;
    for (const p of this.graphs.params) {
      this.params.get(p.name)!.set(out[paramInput(p.name)]!.data);
      for (const s of this.optimizer.slots) this.slots.get(slotInput(s, p.name))!.set(out[slotInput(s, p.name)]!.data);
    }
    for (const w of this.graphs.state) this.state.get(w.name)!.set(out[stateInput(w.name)]!.data);
  }

  /** Current values of the weights the step updates by the ops' own rules (moving statistics). */
  stateWeights(): ReadonlyMap<string, Float32Array> {
    this.syncState();
    return this.state;
  }

  /** The model graph with the current weights. */
  trainedGraph(): Graph {
    this.syncState();
    const weights = new Map(this.model.weights);
    for (const [k, v] of [...this.params, ...this.state]) weights.set(k, v);
    return new Graph(this.model.nodes, this.model.outputs, weights);
  }

  /**
   * Compiles the step for the batch sizes a fit of `examples` examples in batches of
   * `batchSize` runs, and the evaluation for `evalExamples` in `evalBatchSize` (executors
   * that compile may need asynchronous work first).
   */
  async prepare(examples: number, batchSize: number, evalExamples: readonly number[] = [], evalBatchSize = batchSize): Promise<void> {
    const sizes = (n: number, b: number) => (n % b === 0 ? [Math.min(n, b)] : n < b ? [n] : [b, n % b]);
    for (const b of sizes(examples, batchSize)) await this.stepExec.prepare?.(b);
    for (const n of evalExamples) for (const b of sizes(n, evalBatchSize)) await this.evalExec.prepare?.(b);
  }

  /** Fits synchronously, calling `options.callbacks` as it goes; see `fitSteps`. */
  fit(data: Data, options: FitOptions = {}): History {
    const run = this.fitSteps(data, options);
    for (let event = run.next(); ; event = run.next()) {
      if (event.done) return event.value;
      dispatch(options.callbacks, event.value);
    }
  }

  /**
   * The fit loop as a generator of its events (epoch begins, batch ends, epoch ends), so a caller
   * can run it synchronously (`fit`) or await asynchronous callbacks between steps (the model's
   * `fit`). Setting `stopTraining` while handling an event ends the fit after the current epoch.
   * Returns the history: per epoch, `loss`, the logged metrics and their `val_` forms.
   */
  *fitSteps(data: Data, options: Omit<FitOptions, 'callbacks'> = {}): Generator<FitEvent, History> {
    const epochs = options.epochs ?? 1;
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(epochs) || epochs < 0) throw new NncError('NNC5005', `epochs must be an integer ≥ 0, got ${epochs}`);
    checkBatchSize(batchSize);
    let xs = tensorList(data.x);
    let ys = tensorList(data.y);
    this.checkData(xs, ys, 'fit');
    let validation = options.validationData;
    const n0 = exampleCount(xs, 'fit x');
    if (options.validationSplit !== undefined) {
      const split = options.validationSplit;
      if (!(split > 0 && split < 1)) throw new NncError('NNC5005', `validationSplit must be in (0, 1), got ${split}`);
      const cut = Math.floor(n0 * (1 - split));
      validation = { x: xs.map((t) => sliceExamples(t, cut, n0)), y: ys.map((t) => sliceRows(t, cut, n0)) };
      xs = xs.map((t) => sliceExamples(t, 0, cut));
      ys = ys.map((t) => sliceRows(t, 0, cut));
    }
    const n = exampleCount(xs, 'fit x');
    const steps = Math.ceil(n / batchSize);
    const order = Int32Array.from({ length: n }, (_, i) => i);
    // Room for the largest batch this fit makes: a batch size past the data set's gets all of it.
    const largest = Math.min(batchSize, n);
    const xBuffers = xs.map((t) => batchBuffer(t, largest));
    const yBuffers = ys.map((t) => batchBuffer(t, largest));
    const history: History = {};
    let lastFinite = NaN;
    this.stopTraining = false;
    for (let epoch = 1; epoch <= epochs && !this.stopTraining; epoch++) {
      yield { kind: 'epochBegin', epoch, epochs };
      if (options.shuffle ?? true) this.rng.shuffle(order);
      const sums = new Float64Array(1 + this.metricNames.length);
      let seen = 0;
      for (let s = 0; s < steps; s++) {
        const start = s * batchSize;
        const end = Math.min(n, start + batchSize);
        const out = this.trainStep(
          xs.map((t, i) => gatherRows(t, order, start, end, xBuffers[i])),
          ys.map((t, i) => gatherRows(t, order, start, end, yBuffers[i])),
        );
        if (!Number.isFinite(out[0]))
          throw new NncError('NNC5001', `loss is ${out[0]} at epoch ${epoch}, step ${s + 1}/${steps} (optimizer step ${this.step}); last finite loss ${lastFinite.toFixed(4)}`);
        lastFinite = out[0]!;
        out.forEach((v, i) => (sums[i]! += v * (end - start)));
        seen += end - start;
        yield { kind: 'batchEnd', step: s + 1, steps, logs: this.logs(sums, seen) };
      }
      const logs: Record<string, number> = { ...this.logs(sums, seen) };
      if (validation) {
        const [vl, ...vm] = this.evaluate(validation, batchSize);
        logs.val_loss = vl!;
        this.metricNames.forEach((m, i) => (logs[`val_${m}`] = vm[i]!));
      }
      for (const [k, v] of Object.entries(logs)) (history[k] ??= []).push(v);
      yield { kind: 'epochEnd', epoch, logs };
    }
    return history;
  }

  /** [loss, ...metrics] over the whole data set (example-weighted means of batch values). */
  evaluate(data: Data, batchSize = 32): number[] {
    checkBatchSize(batchSize);
    const xs = tensorList(data.x);
    const ys = tensorList(data.y);
    this.checkData(xs, ys, 'evaluate');
    const n = exampleCount(xs, 'evaluate x');
    const sums = new Float64Array(1 + this.metricNames.length);
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const inputs: TensorMap = this.paramInputs();
      this.bindData(inputs, xs.map((t) => sliceRows(t, start, end)), ys.map((t) => sliceRows(t, start, end)));
      const out = this.evalExec.run(inputs);
      sums[0]! += out.loss!.data[0]! * (end - start);
      this.metricNames.forEach((m, i) => (sums[i + 1]! += out[`metric:${m}`]!.data[0]! * (end - start)));
    }
    return [...sums].map((s) => s / n);
  }

  /** Runs one optimizer step on a batch; returns [loss, ...metrics] of the batch. */
  trainStep(xs: readonly Tensor[], ys: readonly Tensor[]): number[] {
    this.step++;
    // The first step feeds the weights and optimizer state; the executor carries them after that.
    const inputs: TensorMap = this.stateInExecutor ? {} : this.stateInputs();
    this.stateInExecutor = true;
    this.bindData(inputs, xs, ys);
    this.optimizer.scalarsAt(this.step, this.learningRateAt(this.step - 1)).forEach((v, i) => (inputs[scalarInput(this.optimizer.scalars[i]!)] = tensor([], [v])));
    if (this.graphs.usesDropout) inputs[DROPOUT_SEED] = tensor([], [this.rng.int(1 << 24)]);
    const out = this.stepExec.run(inputs);
    this.lastStep = out;
    return [out.loss!.data[0]!, ...this.metricNames.map((m) => out[`metric:${m}`]!.data[0]!)];
  }

  /** The weights a forward pass reads as inputs: trainable ones and state. */
  private paramInputs(): TensorMap {
    this.syncState();
    const inputs: TensorMap = {};
    for (const p of this.graphs.params) inputs[paramInput(p.name)] = tensor(p.shape, this.params.get(p.name)!);
    for (const w of this.graphs.state) inputs[stateInput(w.name)] = tensor(w.shape, this.state.get(w.name)!);
    return inputs;
  }

  private stateInputs(): TensorMap {
    const inputs = this.paramInputs();
    for (const p of this.graphs.params) for (const s of this.optimizer.slots) inputs[slotInput(s, p.name)] = tensor(p.shape, this.slots.get(slotInput(s, p.name))!);
    return inputs;
  }

  private bindData(inputs: TensorMap, xs: readonly Tensor[], ys: readonly Tensor[]): void {
    this.model.inputs.forEach((input, i) => (inputs[input.name!] = asInputDtype(xs[i]!, input.type.dtype, `x for input '${input.name}'`)));
    this.graphs.labelInputs.forEach((l, i) => (inputs[l.name] = ys[i]!));
  }

  private checkData(xs: readonly Examples[], ys: readonly Tensor[], what: string): void {
    const inputs = this.model.inputs;
    if (xs.length !== inputs.length) throw new NncError('NNC5002', `${what}: the model has ${inputs.length} input(s), got ${xs.length} x tensor(s)`);
    if (ys.length !== this.graphs.labelInputs.length)
      throw new NncError('NNC5002', `${what}: the model has ${this.graphs.labelInputs.length} output(s), got ${ys.length} y tensor(s)`);
    const check = (t: Examples, shape: readonly (number | null)[], name: string) => {
      const ok = t.shape.length === shape.length && shape.every((d, i) => i === 0 || d === null || d === t.shape[i]);
      if (!ok) throw new NncError('NNC5002', `${what}: ${name} has shape [${t.shape.join(',')}], expected [${shape.map((d) => d ?? 'N').join(',')}]`);
    };
    inputs.forEach((input, i) => check(xs[i]!, input.type.shape, `x for input '${input.name}'`));
    this.graphs.labelInputs.forEach((l, i) => check(ys[i]!, l.type.shape, `y for output '${l.name.slice('label:'.length)}'`));
    const n = exampleCount(xs, `${what} x`);
    if (n !== exampleCount(ys, `${what} y`)) throw new NncError('NNC5002', `${what}: x and y have different numbers of examples`);
    if (n === 0) throw new NncError('NNC5002', `${what}: the data set has no examples`);
    ys.forEach((y, i) => this.checkLabels(y, i, what));
  }

  /**
   * Labels the loss can use: class indices in [0, classes) for a sparse loss (a label of 7 with 3
   * classes, -1 or 1.5 would otherwise train silently on garbage), finite numbers otherwise.
   */
  private checkLabels(y: Tensor, index: number, what: string): void {
    const output = this.model.outputs[index]!.name;
    const classes = this.model.outputs[index]!.node.type.shape.at(-1);
    const sparse = this.spec.outputs[index]!.loss.name === 'sparseCategoricalCrossentropy';
    for (let i = 0; i < y.data.length; i++) {
      const v = y.data[i]!;
      const ok = sparse ? Number.isInteger(v) && v >= 0 && v < (classes as number) : Number.isFinite(v);
      if (!ok)
        throw new NncError('NNC5002', `${what}: y for output '${output}' holds ${v} at example ${Math.floor(i / (y.data.length / y.shape[0]!))}`, {
          hint: sparse
            ? `sparseCategoricalCrossentropy takes class indices, integers from 0 to ${(classes as number) - 1} for this output.`
            : 'Labels must be finite numbers.',
        });
    }
  }

  private logs(sums: Float64Array, seen: number): Logs {
    const logs: Record<string, number> = { loss: sums[0]! / seen };
    this.metricNames.forEach((m, i) => (logs[m] = sums[i + 1]! / seen));
    return logs;
  }

  /** Model outputs for `x`, batch by batch, on the current weights. */
  predict(x: Examples | readonly Examples[], batchSize = 32): Tensor[] {
    const graph = this.trainedGraph();
    return predictBatches(graph, this.executorFactory(graph), tensorList(x), batchSize);
  }

  /**
   * Replaces the weights (trainable and state) named in `weights`; the optimizer's slots stay.
   * The next step feeds them to the executor.
   */
  setWeights(weights: ReadonlyMap<string, Float32Array>): void {
    this.syncState();
    for (const [name, target] of [...this.params, ...this.state]) {
      const v = weights.get(name);
      if (v) target.set(v);
    }
    this.stateInExecutor = false;
  }
}

/** The outputs of `graph` (run by `forward`) for the examples `xs`, in batches of `batchSize`. */
export function predictBatches(graph: Graph, forward: Executor, xs: readonly Examples[], batchSize: number): Tensor[] {
  checkBatchSize(batchSize);
  const n = exampleCount(xs, 'predict x');
  if (n === 0) throw new NncError('NNC5002', 'predict x: the data set has no examples');
  const parts: Tensor[][] = graph.outputs.map(() => []);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const inputs: TensorMap = {};
    graph.inputs.forEach((input, i) => (inputs[input.name!] = asInputDtype(sliceRows(xs[i]!, start, end), input.type.dtype, `x for input '${input.name}'`)));
    const out = forward.run(inputs);
    graph.outputs.forEach((o, i) => parts[i]!.push(tensor(out[o.name]!.shape, out[o.name]!.data.slice())));
  }
  return parts.map((ts) => tensor([n, ...ts[0]!.shape.slice(1)], concatFloat32(ts.map((t) => t.data as Float32Array))));
}

/** fit, evaluate and predict step through the examples by batchSize: 0, negative or fractional sizes never finish. */
function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new NncError('NNC5005', `batchSize must be a positive integer, got ${batchSize}`);
}
