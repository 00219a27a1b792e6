import { parentPort, workerData } from 'node:worker_threads';
import { processIO } from './command.js';
import { main } from './main.js';
import type { WorkerData, WorkerReport } from './isolation.js';

// The worker side of runIsolated: runs the command and reports its exit code.
const { argv, isTTY } = workerData as WorkerData;
const code = await main(argv, { ...processIO, isTTY });
parentPort!.postMessage({ kind: 'exit', code } satisfies WorkerReport);
