/**
 * What `nnc build` and `nnc train` do with a model file's `training` export: load the data, fit
 * with progress output, report the test metrics, and write the trained weights back into the
 * model's layers (so lowering the model afterwards yields the trained graph).
 */
import { NncError } from '../errors.js';
import type { CliIO } from '../cli/command.js';
import type { LoadedModelFile } from '../frontend/loader.js';
import type { LayersModel } from '../frontend/model.js';
import type { Graph } from '../ir/graph.js';
import { reshapeExamples, type Examples } from './batches.js';
import { splitSize, takeExamples, tensorList, type Split } from './data/dataset.js';
import { loadFashionMnist } from './data/fashion-mnist.js';
import { loadUserData } from './data/user-data.js';
import { wasmExecutor } from './wasm-executor.js';
import type { ExecutorFactory } from './executor.js';
import { readTrainingPlan, type TrainingPlan } from './plan.js';
import { progressPrinter, type ProgressSink } from './progress.js';
import { Trainer, type History } from './trainer.js';

export interface FitRequest {
  /** False for `--no-train`. */
  train?: boolean;
  epochs?: number;
  batchSize?: number;
  /** Seeds shuffling and dropout (overrides the model file's `training.seed`). */
  seed?: number;
  /** Directory holding the Fashion-MNIST IDX files. */
  dataDir?: string;
  /** Where progress and result lines go. */
  sink: ProgressSink;
  executor?: ExecutorFactory;
}

export interface FitResult {
  readonly history: History;
  /** Wall-clock seconds of each epoch. */
  readonly epochSeconds: readonly number[];
  /** [loss, ...metrics] on the test split, when there is one. */
  readonly test?: readonly number[];
  readonly metricNames: readonly string[];
  readonly trainer: Trainer;
}

/** Fits the model when the file asks for training (a `training` export and compile()); else undefined. */
export async function fitIfRequested(loaded: LoadedModelFile, request: FitRequest): Promise<FitResult | undefined> {
  if (request.train === false) return undefined;
  const plan = readTrainingPlan(loaded.exports.training);
  if (!plan) return undefined;
  const config = loaded.model.trainingConfig;
  if (!config)
    throw new NncError('NNC5005', 'the model file exports `training` but the model was not compiled', {
      hint: "Call model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] }).",
    });
  const log = (line: string) => request.sink.write(`${line}\n`);
  let { train, test } = await loadPlanData(plan, loaded, request.dataDir, log);
  if (plan.trainExamples !== undefined) train = takeExamples(train, plan.trainExamples);
  // A model whose sequences have any length trains unrolled to the data's number of steps.
  const trainer = new Trainer(loaded.model.toGraph({ steps: loaded.model.stepsOf(tensorList(train.x)) }), config, {
    seed: request.seed ?? plan.seed ?? 42,
    executor: request.executor ?? wasmExecutor,
    trainable: trainableWeights(loaded.model),
  });
  const batchSize = request.batchSize ?? plan.batchSize ?? 32;
  const evalBatchSize = Math.max(batchSize, 256);
  const examples = splitSize(train);
  const split = plan.validationSplit;
  const fitExamples = split === undefined ? examples : Math.floor(examples * (1 - split));
  await trainer.prepare(fitExamples, batchSize, [...(test ? [splitSize(test)] : [])], evalBatchSize);
  if (split !== undefined) await trainer.prepare(fitExamples, batchSize, [examples - fitExamples], batchSize);
  const fitStart = performance.now();
  const progress = progressPrinter(request.sink);
  const epochSeconds: number[] = [];
  let epochStart = 0;
  const history = trainer.fit(train, {
    epochs: request.epochs ?? plan.epochs ?? 1,
    batchSize,
    ...(plan.shuffle !== undefined ? { shuffle: plan.shuffle } : {}),
    ...(plan.validationSplit !== undefined ? { validationSplit: plan.validationSplit } : {}),
    callbacks: {
      ...progress,
      onEpochBegin(epoch, epochs) {
        epochStart = performance.now();
        progress.onEpochBegin?.(epoch, epochs);
      },
      onEpochEnd(epoch, logs) {
        epochSeconds.push((performance.now() - epochStart) / 1000);
        progress.onEpochEnd?.(epoch, logs);
      },
    },
  });
  const epochs = history.loss?.length ?? 0;
  log(`fit: ${epochs} epoch${epochs === 1 ? '' : 's'} in ${((performance.now() - fitStart) / 1000).toFixed(2)} s`);
  applyWeights(loaded.model, new Map([...trainer.weights(), ...trainer.stateWeights()]));
  let testResult: number[] | undefined;
  if (test) {
    testResult = trainer.evaluate(test, evalBatchSize);
    const parts = [`test loss: ${testResult[0]!.toFixed(4)}`, ...trainer.metricNames.map((m, i) => `test ${m}: ${testResult![i + 1]!.toFixed(4)}`)];
    log(parts.join(' - '));
  }
  return { history, epochSeconds, ...(testResult ? { test: testResult } : {}), metricNames: trainer.metricNames, trainer };
}

/**
 * `history.json`, written beside the trained output: per-epoch logs as Keras' `History.history`,
 * the seconds each epoch took, and the test split's loss and metrics when there is one.
 */
export function historyJson(result: FitResult): string {
  const test = result.test && Object.fromEntries(['loss', ...result.metricNames].map((name, i) => [name, result.test![i]!]));
  return `${JSON.stringify({ epoch: result.epochSeconds.map((_, i) => i), history: result.history, epochSeconds: result.epochSeconds, ...(test ? { test } : {}) }, null, 2)}\n`;
}

/**
 * The train and test splits a training recipe names: Fashion-MNIST (from `dataDir` or the usual
 * sources, in the model's input shape) or the model file's own data.
 */
export async function loadPlanData(
  plan: TrainingPlan,
  loaded: Pick<LoadedModelFile, 'file' | 'model'>,
  dataDir: string | undefined,
  log: (line: string) => void,
): Promise<{ train: Split; test?: Split }> {
  if (plan.dataset === 'fashion-mnist') {
    const data = await loadFashionMnist({ ...(dataDir !== undefined ? { dataDir } : {}), log });
    const images = imagesFor(loaded.model);
    return { train: images(data.train), test: images(data.test) };
  }
  const { train, test } = loadUserData(plan.data!, loaded.file, { inputs: loaded.model.inputNames, outputs: loaded.model.outputNames });
  return test ? { train, test } : { train };
}

/**
 * Fashion-MNIST's [28, 28] images in the shape the model's one input takes, when that is another
 * shape of 784 values (a CNN's [28, 28, 1]): the reshape Keras users write before fit.
 */
function imagesFor(model: LayersModel): (split: Split) => Split {
  const inputs = model.inputs;
  const rowShape = inputs.length === 1 ? inputs[0]!.shape.slice(1) : [];
  const fits = rowShape.every((d) => d !== null) && rowShape.reduce<number>((a, d) => a * d!, 1) === 28 * 28;
  return (split) => (fits && !Array.isArray(split.x) ? { ...split, x: reshapeExamples(split.x as Examples, rowShape as number[]) } : split);
}

export function trainableWeights(model: LayersModel): Set<string> {
  return new Set(model.layers.flatMap((l) => l.weights.filter((w) => w.trainable).map((w) => w.name)));
}

/** Copies trained values into the layers' weights. */
export function applyWeights(model: LayersModel, weights: ReadonlyMap<string, Float32Array>): void {
  for (const layer of model.layers)
    for (const w of layer.weights) {
      const v = weights.get(w.name);
      if (v) w.data = Float32Array.from(v);
    }
}

/** Progress output on the CLI: a live bar on a terminal, whole lines when piped. */
export function cliProgressSink(io: CliIO): ProgressSink {
  return { isTTY: io.isTTY, write: (text) => (io.isTTY ? process.stdout.write(text) : io.out(text)) };
}

export interface BuildTrainingOptions {
  readonly train: boolean;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly seed?: number;
  readonly dataDir?: string;
}

/**
 * The `nnc build` seam: the graph to compile — trained when the model file asks for training
 * (and --no-train is absent), else the graph as loaded. Graph-only models (ONNX, tfjs graph
 * models) have no training recipe and pass through.
 */
export async function fitForBuild(
  loaded: { readonly file: string; readonly graph: Graph; readonly model?: LayersModel; readonly exports: Readonly<Record<string, unknown>> },
  options: BuildTrainingOptions,
  io: CliIO,
): Promise<{ readonly graph: Graph; readonly fit?: FitResult }> {
  if (!loaded.model) return { graph: loaded.graph };
  const result = await fitIfRequested(
    { file: loaded.file, model: loaded.model, exports: loaded.exports },
    {
      train: options.train,
      ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
      sink: cliProgressSink(io),
    },
  );
  return result ? { graph: loaded.model.toGraph(), fit: result } : { graph: loaded.graph };
}
