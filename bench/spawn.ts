import { execFile } from 'node:child_process';
import { peakRssKiB } from './child/peak-rss.js';
import { RESULT_PREFIX } from './child/protocol.js';

/** The program a child runs under, with arguments before the script's (V8 flags, for node). */
export interface Interpreter {
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** V8's flag for relaxed SIMD where this Node has it off by default (Node 20; on from Node 22). */
export const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

/**
 * Runs `node <script> <request JSON>` (or another interpreter's, e.g. Python's) in a fresh process
 * and returns the result line it prints. The child's other output (engines' banners) is ignored;
 * a failure carries its stderr's tail.
 */
export function runChild<T>(script: string, request: unknown, timeoutMs = 120_000, interpreter: Interpreter = { command: process.execPath }): Promise<T> {
  return new Promise((resolve, reject) => {
    const options = { timeout: timeoutMs, maxBuffer: 16 << 20, ...(interpreter.env ? { env: interpreter.env } : {}) };
    execFile(interpreter.command, [...(interpreter.args ?? []), script, JSON.stringify(request)], options, (error, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (error || !line) {
        const tail = `${stderr}${stdout}`.trim().split('\n').slice(-8).join('\n');
        reject(new Error(`${error?.message ?? 'no result line'}\n${tail}`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as T);
    });
  });
}

/**
 * Peak RSS (KiB) of `node -e 0`, the memory baseline the issue names: a CommonJS `-e` script
 * (no ES module loader) running the children's own peakRssKiB, its source inlined.
 */
export function nodeEvalZeroRssKiB(): Promise<number> {
  const code = `const { readFileSync } = require('node:fs'); process.stdout.write(${JSON.stringify(RESULT_PREFIX)} + JSON.stringify((${peakRssKiB.toString()})()));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', code], (error, stdout) => (error ? reject(error) : resolve(Number(stdout.slice(RESULT_PREFIX.length)))));
  });
}
