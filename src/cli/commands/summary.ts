import { parseCommandArgs, requireModelPath, type Command } from '../command.js';
import { loadModelForCli, MODEL_FILE_ARGS, MODEL_FILE_HELP, parseModelFileFlags } from '../load-model.js';

export const summaryCommand: Command = {
  name: 'summary',
  help: [
    'Usage: nnc summary <model.ts> [options]',
    '',
    "Prints the model's layers, output shapes and parameter counts exactly as Keras' model.summary().",
    '',
    'Options:',
    ...MODEL_FILE_HELP,
  ].join('\n'),
  async run(argv, io) {
    const { positionals, values } = parseCommandArgs('summary', argv, MODEL_FILE_ARGS);
    const { model } = await loadModelForCli(requireModelPath('summary', positionals), parseModelFileFlags('summary', values));
    io.out(model.summary(null));
    return 0;
  },
};
