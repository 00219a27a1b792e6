import { parseCommandArgs, requireModelPath, type Command } from '../command.js';
import { loadModelForCli } from '../load-model.js';

export const summaryCommand: Command = {
  name: 'summary',
  help: ['Usage: nnc summary <model.ts>', '', "Prints the model's layers, output shapes and parameter counts exactly as Keras' model.summary()."].join('\n'),
  async run(argv, io) {
    const { positionals } = parseCommandArgs('summary', argv, {});
    const { model } = await loadModelForCli(requireModelPath('summary', positionals));
    io.out(model.summary(null));
    return 0;
  },
};
