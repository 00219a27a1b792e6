import { Worker } from 'node:worker_threads';
import type { DiagnosticCode } from '../diagnostics.js';
import { NncError } from '../errors.js';

/** The heap a command may use (model file, compiler and training together) unless --memory-limit says. */
export const DEFAULT_MEMORY_LIMIT_MB = 4096;

/** What the worker running a command tells the process that started it. */
export type WorkerReport = { readonly kind: 'exit'; readonly code: number };

export interface WorkerData {
  readonly argv: readonly string[];
  /** The terminal state of the real stdout, which a worker's piped stdout does not have. */
  readonly isTTY: boolean;
}

/** `--memory-limit MB` from the command line; the command itself checks and reports bad values. */
function memoryLimitMb(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    if (flag !== '--memory-limit') continue;
    const n = Number(inline ?? argv[i + 1]);
    return n > 0 && Number.isFinite(n) ? n : DEFAULT_MEMORY_LIMIT_MB;
  }
  return DEFAULT_MEMORY_LIMIT_MB;
}

const diagnostic = (code: DiagnosticCode, detail: string): string => `error ${new NncError(code, detail).message}`;

/**
 * Runs a command in a worker thread with a heap limit. A model file runs author code inside
 * nnc; in the worker, its `process.exit()` ends only the worker, running out of memory ends only
 * the worker, and an error it throws (or a promise it rejects) after loading reaches nnc as an
 * 'error' event: each becomes a diagnostic here instead of a silent exit 0 or a Node stack trace.
 */
export async function runIsolated(argv: readonly string[]): Promise<number> {
  const limit = memoryLimitMb(argv);
  const data: WorkerData = { argv, isTTY: Boolean(process.stdout.isTTY) };
  const worker = new Worker(new URL('./worker-main.js', import.meta.url), { workerData: data, resourceLimits: { maxOldGenerationSizeMb: limit } });
  let reported: number | undefined;
  let failure: string | undefined;
  worker.on('message', (m: WorkerReport) => {
    if (m.kind === 'exit') reported = m.code;
  });
  worker.on('error', (e: Error & { code?: string }) => {
    failure =
      e.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? diagnostic('NNC1023', `the command used more than ${limit} MB of heap`)
        : diagnostic('NNC1024', e instanceof Error ? e.message : String(e));
  });
  const exitCode = await new Promise<number>((done) => worker.on('exit', done));
  if (failure !== undefined) {
    process.stderr.write(`${failure}\n`);
    return 1;
  }
  if (reported === undefined) {
    process.stderr.write(`${diagnostic('NNC1022', `the command stopped with exit code ${exitCode} before it finished (process.exit called by the model file?)`)}\n`);
    return 1;
  }
  return reported;
}
