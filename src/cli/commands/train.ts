import { join } from 'node:path';
import { NncError } from '../../errors.js';
import { cliProgressSink, fitIfRequested } from '../../train/fit-from-model-file.js';
import { saveTfjsModel } from '../../train/save.js';
import { parseCommandArgs, requireModelPath, type Command } from '../command.js';
import { loadModelForCli } from '../load-model.js';
import { parseTrainingFlags, TRAINING_ARGS, TRAINING_HELP } from '../training-flags.js';

const ARGS = { out: { type: 'string', short: 'o' }, ...TRAINING_ARGS } as const;

export const trainCommand: Command = {
  name: 'train',
  summary: 'fit a model as its `training` export says and save it as tfjs Layers JSON',
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
    ...TRAINING_HELP,
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('train', argv, ARGS);
    const path = requireModelPath('train', positionals);
    const flags = parseTrainingFlags('train', values);
    const loaded = loadModelForCli(path, flags.seed === undefined ? {} : { seed: flags.seed });
    io.out(loaded.model.summary(null));
    const result = await fitIfRequested(loaded, { sink: cliProgressSink(io), ...flags });
    if (!result)
      throw new NncError('NNC5005', `'${path}' has no training recipe`, {
        hint: "Export one from the model file: export const training = { dataset: 'fashion-mnist', epochs: 5, batchSize: 32 };",
      });
    const out = values.out ?? join('trained', path.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, ''));
    saveTfjsModel(out, loaded.model);
    io.out(`saved ${join(out, 'model.json')} and ${join(out, 'weights.bin')}`);
    return 0;
  },
};
