import { parseCommandArgs, requireModelPath, type Command } from '../command.js';
import { loadModelForCli } from '../load-model.js';

export const summaryCommand: Command = {
  name: 'summary',
  summary: 'print the Keras summary table of a model',
  help: ['Usage: nnc summary <model.ts>', '', "Prints the model's layers, output shapes and parameter counts exactly as Keras' model.summary()."].join('\n'),
  run(argv, io) {
    const { positionals } = parseCommandArgs('summary', argv, {});
    const { model } = loadModelForCli(requireModelPath('summary', positionals));
    io.out(model.summary(null));
    return 0;
  },
};
