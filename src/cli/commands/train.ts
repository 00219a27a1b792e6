import { join } from 'node:path';
import { checkOutputDir } from '../../bundle/output-guard.js';
import { NncError } from '../../errors.js';
import { cliProgressSink, fitIfRequested, historyJson } from '../../train/fit-from-model-file.js';
import { saveTfjsModel } from '../../train/save.js';
import { parseCommandArgs, requireModelPath, type Command } from '../command.js';
import { loadModelForCli, MODEL_FILE_ARGS, MODEL_FILE_HELP, parseModelFileFlags } from '../load-model.js';
import { parseTrainingFlags, TRAINING_ARGS, TRAINING_HELP } from '../training-flags.js';

const ARGS = { out: { type: 'string', short: 'o' }, force: { type: 'boolean' }, ...TRAINING_ARGS, ...MODEL_FILE_ARGS } as const;

export const trainCommand: Command = {
  name: 'train',
  help: [
    'Usage: nnc train <model.ts> [options]',
    '',
    "Fits the model with its compile() settings on the data its `training` export names, prints",
    'Keras-style progress and the test metrics, and saves model.json + weights.bin (loadable with',
    "tf.loadLayersModel). The output directory is replaced only once training has finished, so an",
    'interrupted run leaves the previously saved model intact.',
    '',
    'Options:',
    '  -o, --out DIR       output directory (default: trained/<model file name>)',
    '  --force             replace a non-empty output directory nnc did not write (never /, the home',
    '                      directory, the current directory or one containing it or the model)',
    ...TRAINING_HELP,
    ...MODEL_FILE_HELP,
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('train', argv, ARGS);
    const path = requireModelPath('train', positionals);
    const flags = parseTrainingFlags('train', values);
    const out = values.out ?? join('trained', path.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, ''));
    // Refuse a bad output path before training, not after; saving checks again.
    const output = { force: values.force ?? false, modelFile: path };
    checkOutputDir(out, output);
    const loaded = await loadModelForCli(path, { ...(flags.seed === undefined ? {} : { seed: flags.seed }), ...parseModelFileFlags('train', values) });
    io.out(loaded.model.summary(null));
    const result = await fitIfRequested(loaded, { sink: cliProgressSink(io), ...flags });
    if (!result)
      throw new NncError('NNC5005', `'${path}' has no training recipe`, {
        hint: "Export one from the model file: export const training = { dataset: 'fashion-mnist', epochs: 5, batchSize: 32 };",
      });
    saveTfjsModel(out, loaded.model, output, [{ path: 'history.json', contents: historyJson(result) }]);
    io.out(`saved ${join(out, 'model.json')} and ${join(out, 'weights.bin')} (history: ${join(out, 'history.json')})`);
    return 0;
  },
};
