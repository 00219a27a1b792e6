import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { main } from './main.js';
import type { WorkerData, WorkerReport } from './isolation.js';

/**
 * Writes straight to the process's file descriptor. A worker's own process.stdout is a stream
 * that the parent drains only when the worker's event loop turns, so the progress of a training
 * run (synchronous for minutes) would show only at its end; a direct write shows it at once.
 */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; ) {
    try {
      at += writeSync(fd, bytes, at);
    } catch (e) {
      if ((e as { code?: string }).code !== 'EAGAIN') throw e; // a full non-blocking pipe: try again
    }
  }
}

const stream = (fd: number) => (chunk: string | Uint8Array): boolean => {
  writeAll(fd, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
  return true;
};
process.stdout.write = stream(1) as typeof process.stdout.write;
process.stderr.write = stream(2) as typeof process.stderr.write;

// The worker side of runIsolated: runs the command and reports its exit code.
const { argv, isTTY } = workerData as WorkerData;
const line = (fd: number) => (t: string) => writeAll(fd, t.endsWith('\n') ? t : t + '\n');
const code = await main(argv, { out: line(1), err: line(2), isTTY });
parentPort!.postMessage({ kind: 'exit', code } satisfies WorkerReport);
