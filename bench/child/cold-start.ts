/**
 * Cold start, run as plain JavaScript in a fresh `node` process: the time from importing the
 * engine to the first prediction's result, and the process's peak RSS after it (VmHWM). The input row
 * is read before the clock starts (a user's program already has its input).
 */
import { loadRunner, readRequest, readRows } from './load-runner.js';
import { peakRssKiB } from './peak-rss.js';
import { emit, type ColdStartRequest, type ColdStartResult } from './protocol.js';

const request = readRequest<ColdStartRequest>();
const x = readRows(request.inputFile, request.ctx.rowShape.reduce((a, b) => a * b, 1), 1);

const start = performance.now();
const runner = await loadRunner(request.runner);
const session = await runner.open(request.ctx);
const y = await session.predict(x, 1);
const ms = performance.now() - start;

if (y.length !== request.ctx.outputSize) throw new Error(`${request.runner}: expected ${request.ctx.outputSize} outputs, got ${y.length}`);
const result: ColdStartResult = { ms, peakRssKiB: peakRssKiB() };
emit(result);
process.exit(0); // some engines keep handles open
