// Runs `nnc train` in a child process without the rest of the CLI (whose other commands load
// the whole compiler): the kill test needs a process it can stop mid-training.
import { register } from 'tsx/esm/api';

register();
const { trainCommand } = await import('../../../src/cli/commands/train.ts');
const { processIO } = await import('../../../src/cli/command.ts');
process.exitCode = await trainCommand.run(process.argv.slice(2), processIO);
