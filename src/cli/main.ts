import { isNncError, NncError } from '../errors.js';
import { processIO, type CliIO, type Command } from './command.js';
import { buildCommand } from './commands/build.js';
import { irCommand } from './commands/ir.js';
import { summaryCommand } from './commands/summary.js';
import { trainCommand } from './commands/train.js';

/** Every command, one line each; `nnc --help` lists them in this order. */
export const COMMANDS: readonly Command[] = [summaryCommand, irCommand, buildCommand, trainCommand];

const VERSION = '0.1.0';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'nnc — compile Keras-style models into standalone WebAssembly / WebGPU bundles',
    '',
    'Usage: nnc <command> <model> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `nnc <command> --help` for its options.',
  ].join('\n');
}

/** Runs the CLI; returns the exit code. NncErrors are printed without a stack trace. */
export async function main(argv: readonly string[], io: CliIO = processIO, commands: readonly Command[] = COMMANDS): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    io.out(VERSION);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`nnc: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    const error = isNncError(e) ? e : new NncError('NNC9001', e instanceof Error ? e.message : String(e), { cause: e });
    io.err(`error ${error.message}`);
    if (error.code === 'NNC9001' && process.env.NNC_DEBUG === '1' && e instanceof Error) io.err(e.stack ?? '');
    return error.code === 'NNC4003' ? 2 : error.code === 'NNC9001' ? 70 : 1;
  }
}
