import { isNncError, NncError } from '../errors.js';
import { COMPILER_VERSION } from '../version.js';
import { processIO, type CliIO, type CommandEntry } from './command.js';

/**
 * Every command, one line each; `nnc --help` lists them in this order. A command's module (and
 * what it pulls in: binaryen, ts-morph, the importers) is imported only when that command runs,
 * so `nnc --version` and `nnc --help` start as fast as Node does.
 */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'summary', summary: 'print the Keras summary table of a model', load: async () => (await import('./commands/summary.js')).summaryCommand },
  { name: 'ir', summary: 'print the SSA IR of a model, as written or optimized', load: async () => (await import('./commands/ir.js')).irCommand },
  {
    name: 'build',
    summary: 'compile a model into a standalone bundle (model.js, .wasm, .d.ts, manifest.json)',
    load: async () => (await import('./commands/build.js')).buildCommand,
  },
  {
    name: 'train',
    summary: 'fit a model as its `training` export says and save it as tfjs Layers JSON',
    load: async () => (await import('./commands/train.js')).trainCommand,
  },
  { name: 'export', summary: 'write a model as an ONNX file (trained first when it asks)', load: async () => (await import('./commands/export.js')).exportCommand },
];

function usage(commands: readonly CommandEntry[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'nnc — compile Keras-style models into standalone WebAssembly / WebGPU bundles',
    '',
    'Usage: nnc <command> <model> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show this help (or a command\'s, after its name)',
    '  -v, --version  print the version of nnc',
    '',
    'Run `nnc <command> --help` for its options.',
  ].join('\n');
}

/** Runs the CLI; returns the exit code. NncErrors are printed without a stack trace. */
export async function main(argv: readonly string[], io: CliIO = processIO, commands: readonly CommandEntry[] = COMMANDS): Promise<number> {
  const [name, ...rest] = argv;
  // Asked-for help is output (stdout, exit 0); help shown because of a usage mistake is a
  // diagnostic (stderr, exit 2), as CLI conventions have it.
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(usage(commands));
    return 0;
  }
  if (!name) {
    io.err(usage(commands));
    return 2;
  }
  if (name === '--version' || name === '-v') {
    io.out(COMPILER_VERSION);
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.err(`nnc: unknown command '${name}'\n\n${usage(commands)}`);
    return 2;
  }
  try {
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(command.help);
      return 0;
    }
    return await command.run(rest, io);
  } catch (e) {
    const error = isNncError(e) ? e : new NncError('NNC9001', e instanceof Error ? e.message : String(e), { cause: e });
    io.err(`error ${error.message}`);
    if (error.code === 'NNC9001' && process.env.NNC_DEBUG === '1' && e instanceof Error) io.err(e.stack ?? '');
    return error.code === 'NNC4003' ? 2 : error.code === 'NNC9001' ? 70 : 1;
  }
}
