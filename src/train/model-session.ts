/**
 * `model.fit / evaluate / predict` from code, with tfjs' signatures, on nnc's compiled training
 * backend (the same WebAssembly the bundle runs). A session belongs to one compiled model and
 * keeps its trainer — and so the optimizer's state — from one `fit` to the next, as Keras does;
 * `compile()` starts a new one. The layers' weights are the source of truth between calls: a
 * call reads them in, and `fit` writes the trained values back, so `nnc build` or
 * `compileBundle` after `fit` emits the trained model.
 */
import { NncError } from '../errors.js';
import type { LayersModel } from '../frontend/model.js';
import type { Tensor } from '../ir/tensor.js';
import { valuesByName } from './data/by-name.js';
import { tensorList, type Split } from './data/dataset.js';
import { isTensorLike, toTensor, type TensorLike } from './data/user-data.js';
import { applyWeights, trainableWeights } from './fit-from-model-file.js';
import { progressPrinter } from './progress.js';
import { dispatch, predictBatches, Trainer, type History } from './trainer.js';
import { loadWasmBackend, wasmExecutor } from './wasm-executor.js';
import type { Logs } from './progress.js';

/** One tensor, or (several inputs / outputs) a list in order or an object keyed by name. */
export type ModelData = TensorLike | readonly TensorLike[] | Readonly<Record<string, TensorLike>>;

/** A callback as tfjs and Keras take it; epochs and batches count from 0. Each may be async. */
export interface ModelCallback {
  setModel?(model: LayersModel): void;
  onTrainBegin?(logs?: Logs): unknown;
  onTrainEnd?(logs?: Logs): unknown;
  onEpochBegin?(epoch: number, logs?: Logs): unknown;
  onEpochEnd?(epoch: number, logs: Logs): unknown;
  onBatchEnd?(batch: number, logs: Logs): unknown;
}

export interface ModelFitArgs {
  epochs?: number;
  batchSize?: number;
  /** Hold out this fraction of the examples (the last ones, before shuffling). */
  validationSplit?: number;
  /** [x, y] to evaluate after each epoch. */
  validationData?: readonly [ModelData, ModelData];
  /** Reshuffle before each epoch (default true). */
  shuffle?: boolean;
  callbacks?: ModelCallback | readonly ModelCallback[];
  /** 1 (default) prints Keras' progress to stdout; 0 prints nothing. */
  verbose?: 0 | 1;
  /** Seeds shuffling and dropout masks (default 42). */
  seed?: number;
}

/** What `fit` returns, as tfjs' History: the epochs run and each logged value per epoch. */
export interface FitHistory {
  readonly epoch: number[];
  readonly history: History;
}

const isTensorArgument = (v: unknown): v is TensorLike => isTensorLike(v) || isTfjsTensor(v);
const isTfjsTensor = (v: unknown): v is { shape: number[]; dataSync(): ArrayLike<number> } =>
  typeof v === 'object' && v !== null && Array.isArray((v as { shape?: unknown }).shape) && typeof (v as { dataSync?: unknown }).dataSync === 'function';

/** A user's tensor (nested arrays, { shape, data }, or a tfjs Tensor) as nnc's. */
function userTensor(v: TensorLike, what: string): Tensor {
  return isTfjsTensor(v) ? toTensor({ shape: v.shape, data: v.dataSync() }, what) : toTensor(v, what);
}

function tensorsFor(value: unknown, names: readonly string[], what: string): Tensor[] {
  return valuesByName(value, names, what, isTensorArgument).map((t, i) => userTensor(t, names.length === 1 ? what : `${what}.${names[i]}`));
}

export class ModelSession {
  private trainer: Trainer | undefined;
  /** The numbers of steps the trainer's graph is unrolled to (as JSON), for a model whose sequences have any length. */
  private trainerSteps: string | undefined;

  constructor(private readonly model: LayersModel) {}

  private split(x: unknown, y: unknown, what: string): Split {
    return { x: tensorsFor(x, this.model.inputNames, `${what} x`), y: tensorsFor(y, this.model.outputNames, `${what} y`) };
  }

  /**
   * The trainer of the compiled model, holding the layers' current weights; for a model whose
   * sequences have any length, unrolled to the number of steps of `xs` (a new one for new steps).
   */
  private async trainerWithLayerWeights(xs: Split['x'], seed?: number): Promise<Trainer> {
    const config = this.model.trainingConfig;
    if (!config)
      throw new NncError('NNC5005', `model '${this.model.name}' is not compiled`, {
        hint: "Call model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] }) first.",
      });
    await loadWasmBackend();
    const steps = this.model.stepsOf(tensorList(xs));
    if (!this.trainer || JSON.stringify(steps) !== this.trainerSteps) {
      this.trainerSteps = JSON.stringify(steps);
      const trainer = new Trainer(this.model.toGraph({ steps }), config, { executor: wasmExecutor, trainable: trainableWeights(this.model), ...(seed === undefined ? {} : { seed }) });
      this.trainer = trainer;
      this.model.optimizer = {
        get learningRate() {
          return trainer.learningRate;
        },
        set learningRate(value: number) {
          trainer.learningRate = value;
        },
      };
    }
    this.trainer.setWeights(layerWeights(this.model));
    return this.trainer;
  }

  async fit(x: ModelData, y: ModelData, args: ModelFitArgs = {}): Promise<FitHistory> {
    const data = this.split(x, y, 'fit');
    const validationData = args.validationData ? this.split(args.validationData[0], args.validationData[1], 'validationData') : undefined;
    const trainer = await this.trainerWithLayerWeights(data.x, args.seed);
    const callbacks: ModelCallback[] = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? [...args.callbacks] : [args.callbacks as ModelCallback];
    const progress = (args.verbose ?? 1) === 1 ? progressPrinter({ isTTY: Boolean(process.stdout.isTTY), write: (t) => process.stdout.write(t) }) : undefined;
    for (const c of callbacks) c.setModel?.(this.model);
    this.model.stopTraining = false;
    const run = trainer.fitSteps(data, {
      ...(args.epochs !== undefined ? { epochs: args.epochs } : {}),
      ...(args.batchSize !== undefined ? { batchSize: args.batchSize } : {}),
      ...(args.shuffle !== undefined ? { shuffle: args.shuffle } : {}),
      ...(args.validationSplit !== undefined ? { validationSplit: args.validationSplit } : {}),
      ...(validationData ? { validationData } : {}),
    });
    const epochs: number[] = [];
    for (const c of callbacks) await c.onTrainBegin?.();
    let history: History;
    for (let event = run.next(); ; event = run.next()) {
      if (event.done) {
        history = event.value;
        break;
      }
      const e = event.value;
      dispatch(progress, e);
      if (e.kind === 'epochEnd') {
        epochs.push(e.epoch - 1);
        // Callbacks see (and may replace) the weights of this epoch through the model.
        applyWeights(this.model, new Map([...trainer.weights(), ...trainer.stateWeights()]));
        const version = this.model.weightsVersion;
        for (const c of callbacks) await c.onEpochEnd?.(e.epoch - 1, e.logs);
        if (this.model.weightsVersion !== version) trainer.setWeights(layerWeights(this.model));
        trainer.stopTraining = this.model.stopTraining;
      } else if (e.kind === 'epochBegin') for (const c of callbacks) await c.onEpochBegin?.(e.epoch - 1);
      else for (const c of callbacks) await c.onBatchEnd?.(e.step - 1, e.logs);
    }
    applyWeights(this.model, new Map([...trainer.weights(), ...trainer.stateWeights()]));
    for (const c of callbacks) await c.onTrainEnd?.();
    return { epoch: epochs, history };
  }

  /** The loss and metrics over (x, y): one number when the model logs only its loss, as Keras. */
  async evaluate(x: ModelData, y: ModelData, args: { batchSize?: number } = {}): Promise<number | number[]> {
    const data = this.split(x, y, 'evaluate');
    const trainer = await this.trainerWithLayerWeights(data.x);
    const values = trainer.evaluate(data, args.batchSize ?? 32);
    return values.length === 1 ? values[0]! : values;
  }

  /** The model's outputs for x: one tensor, or one per output in order. */
  async predict(x: ModelData, args: { batchSize?: number } = {}): Promise<Tensor | Tensor[]> {
    const xs = tensorsFor(x, this.model.inputNames, 'predict x');
    await loadWasmBackend();
    const graph = this.model.toGraph({ steps: this.model.stepsOf(xs) });
    const outputs = predictBatches(graph, wasmExecutor(graph), xs, args.batchSize ?? 32);
    return outputs.length === 1 ? outputs[0]! : outputs;
  }
}

/** Every weight of the model by name, as the layers hold it. */
function layerWeights(model: LayersModel): Map<string, Float32Array> {
  return new Map(model.layers.flatMap((l) => l.weights.map((w) => [w.name, w.data] as const)));
}
