import { printGraph } from '../../ir/printer.js';
import { verifyGraph } from '../../ir/verifier.js';
import { parseCommandArgs, requireModelPath, type Command } from '../command.js';
import { loadModelForCli } from '../load-model.js';

export const irCommand: Command = {
  name: 'ir',
  summary: 'print the SSA IR of a model',
  help: [
    'Usage: nnc ir <model.ts> [options]',
    '',
    'Prints the model lowered to nnc IR, one SSA value per line.',
    '',
    'Options:',
    '  --seed N        seed of the weight initializers (default 42)',
  ].join('\n'),
  run(argv, io) {
    const { positionals, values } = parseCommandArgs('ir', argv, { seed: { type: 'string' } });
    const { model } = loadModelForCli(requireModelPath('ir', positionals), values.seed === undefined ? {} : { seed: Number(values.seed) });
    const graph = model.toGraph();
    verifyGraph(graph, { requireWeightData: true });
    io.out(printGraph(graph));
    return 0;
  },
};
