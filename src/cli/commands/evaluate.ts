import { existsSync, statSync } from 'node:fs';
import { NncError } from '../../errors.js';
import { loadUserData } from '../../train/data/user-data.js';
import { tensorList, type Split } from '../../train/data/dataset.js';
import { loadPlanData, trainableWeights } from '../../train/fit-from-model-file.js';
import type { LoadedModelFile } from '../../frontend/loader.js';
import { readTrainingPlan } from '../../train/plan.js';
import { Trainer } from '../../train/trainer.js';
import { loadWasmBackend, wasmExecutor } from '../../train/wasm-executor.js';
import { parseCommandArgs, requireModelPath, type Command } from '../command.js';
import { loadModelForCli, MODEL_FILE_ARGS, MODEL_FILE_HELP, parseModelFileFlags } from '../load-model.js';

const ARGS = { data: { type: 'string' }, 'batch-size': { type: 'string' }, seed: { type: 'string' }, ...MODEL_FILE_ARGS } as const;

/**
 * `nnc evaluate`: the loss and metrics of a model's current weights on test data, as Keras'
 * `evaluate` — typically a model `nnc train` saved (its model.json keeps the loss and metrics).
 */
export const evaluateCommand: Command = {
  name: 'evaluate',
  help: [
    'Usage: nnc evaluate <model> [--data FILE|DIR] [options]',
    '',
    "Prints the loss and metrics of the model's weights (as they are: nothing is trained) on test data:",
    '  loss: 0.3561 - accuracy: 0.8734',
    'The loss and metrics are the compile() settings of a model.ts, or those a saved model.json records',
    '(`nnc train` and tfjs write them).',
    '',
    'Options:',
    '  --data FILE|DIR        test data: a JSON file of tensors ({ x, y }, or { train, test }: its test split),',
    '                         or the directory of the Fashion-MNIST files. Default: the test split of the',
    "                         model file's `training` recipe",
    '  --batch-size N         examples per evaluation step (default 256)',
    '  --seed N               seed of a model.ts\'s weight initializers (default 42)',
    ...MODEL_FILE_HELP,
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('evaluate', argv, ARGS);
    const path = requireModelPath('evaluate', positionals);
    const batchSize = values['batch-size'] === undefined ? 256 : Number(values['batch-size']);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw usage(`--batch-size must be a positive integer, got '${values['batch-size']}'`);
    const seed = values.seed === undefined ? undefined : Number(values.seed);
    const loaded = await loadModelForCli(path, { ...(seed === undefined ? {} : { seed }), ...parseModelFileFlags('evaluate', values) });
    const config = loaded.model.trainingConfig;
    if (!config)
      throw new NncError('NNC5005', `'${path}' has no loss to evaluate: the model is not compiled`, {
        hint: 'Call model.compile({ loss, metrics, ... }) in the model file, or evaluate a model.json saved by `nnc train` or tfjs with its training config.',
      });
    const data = await testData(values.data, loaded, (line) => io.err(line));
    await loadWasmBackend();
    const trainer = new Trainer(loaded.model.toGraph({ steps: loaded.model.stepsOf(tensorList(data.x)) }), config, { executor: wasmExecutor, trainable: trainableWeights(loaded.model) });
    const results = trainer.evaluate(data, batchSize);
    io.out(['loss', ...trainer.metricNames].map((name, i) => `${name}: ${results[i]!.toFixed(4)}`).join(' - '));
    return 0;
  },
};

const usage = (detail: string) => new NncError('NNC4003', `nnc evaluate: ${detail}`, { hint: 'Run `nnc evaluate --help`.' });

/** The examples to evaluate on: --data (a JSON tensor file or the Fashion-MNIST directory), else the recipe's test split. */
async function testData(data: string | undefined, loaded: LoadedModelFile, log: (line: string) => void): Promise<Split> {
  const names = { inputs: loaded.model.inputNames, outputs: loaded.model.outputNames };
  if (data !== undefined && !(existsSync(data) && statSync(data).isDirectory())) {
    // Relative to the current directory, as command-line paths are.
    const { train, test } = loadUserData(data, `${process.cwd()}/-`, names);
    return test ?? train;
  }
  const plan = data !== undefined ? { dataset: 'fashion-mnist' as const } : readTrainingPlan(loaded.exports.training);
  const test = plan && (await loadPlanData(plan, loaded, data, log)).test;
  if (test) return test;
  throw new NncError('NNC5005', `no test data for '${loaded.file}'`, { hint: 'Pass --data FILE (a JSON file of { x, y } tensors) or --data DIR (the Fashion-MNIST files).' });
}
