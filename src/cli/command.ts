import { parseArgs, type ParseArgsConfig } from 'node:util';
import { NncError } from '../errors.js';

/** One CLI command: its own file under src/cli/commands, one entry in the table in main.ts. */
export interface Command {
  readonly name: string;
  /** Usage and option help, shown by `nnc <command> --help`. */
  readonly help: string;
  run(argv: readonly string[], io: CliIO): Promise<number> | number;
}

/** A command as the CLI's table lists it: its module is imported only when it runs. */
export interface CommandEntry {
  readonly name: string;
  /** One line for `nnc --help`. */
  readonly summary: string;
  load(): Promise<Command>;
}

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is a terminal (live progress bars); false when piped. */
  readonly isTTY: boolean;
}

export const processIO: CliIO = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
  isTTY: Boolean(process.stdout.isTTY),
};

/** node:util parseArgs, with usage mistakes reported as NNC4003 naming the command. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(command: string, argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new NncError('NNC4003', `nnc ${command}: ${(e as Error).message}`, { hint: `Run \`nnc ${command} --help\`.` });
  }
}

/** The single positional argument most commands take: the model file. */
export function requireModelPath(command: string, positionals: readonly string[]): string {
  if (positionals.length !== 1)
    throw new NncError('NNC4003', `nnc ${command} takes one model file, got ${positionals.length} arguments`, {
      hint: `Usage: nnc ${command} <model.ts> [options]`,
    });
  return positionals[0]!;
}
