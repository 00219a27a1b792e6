/**
 * Latency, throughput and agreement of one runner, measured in a fresh process of its own so
 * that engines never share a heap, a JIT profile or a tfjs global backend.
 *
 *   batch-1 latency  each call timed alone; median over `calls` calls in 4 rounds, after up to
 *                    1,000 warm-up calls
 *   throughput       median time of one `batch`-row call over several rounds, after one
 *                    warm-up call (whose output is also checked against the reference)
 *
 * Each phase also stops at its time limit (at least one call/round is kept), so that a slow
 * engine (WebGPU on a software device) finishes; the result says how many calls were timed.
 */
import type { Session } from '../runners/types.js';
import { maxAbsDiff, median, quantile } from '../stats.js';
import { loadRunner, readRequest, readRows } from './load-runner.js';
import { emit, type MeasureRequest, type MeasureResult } from './protocol.js';

const LATENCY_ROUNDS = 4;

/** Times up to `calls` calls one by one, stopping early once `deadline` (performance.now()) passes. */
async function timeCalls(session: Session, x: Float32Array, batch: number, calls: number, deadline = Infinity): Promise<number[]> {
  const times: number[] = [];
  while (times.length < calls && (times.length === 0 || performance.now() < deadline)) {
    const t0 = performance.now();
    const y = session.predict(x, batch);
    if (y instanceof Promise) await y;
    times.push(performance.now() - t0);
  }
  return times;
}

async function measureLatency(session: Session, x: Float32Array, request: MeasureRequest): Promise<MeasureResult['latencyUs']> {
  const start = performance.now();
  await timeCalls(session, x, 1, Math.min(1000, request.calls), start + request.latencyMaxMs / 4);
  const deadline = performance.now() + request.latencyMaxMs;
  const all: number[] = [];
  const roundMedians: number[] = [];
  for (let r = 0; r < LATENCY_ROUNDS && (r === 0 || performance.now() < deadline); r++) {
    const times = (await timeCalls(session, x, 1, Math.ceil(request.calls / LATENCY_ROUNDS), deadline)).map((ms) => ms * 1000);
    roundMedians.push(median(times));
    all.push(...times);
  }
  return { median: median(all), p10: quantile(all, 0.1), p90: quantile(all, 0.9), calls: all.length, roundMedians };
}

async function measureThroughput(session: Session, x: Float32Array, request: MeasureRequest): Promise<MeasureResult['throughput']> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const roundsMs: number[] = [];
  while (roundsMs.length < request.maxRounds) {
    const elapsed = performance.now() - start;
    const wanted = roundsMs.length < request.minRounds ? elapsed < request.throughputMaxMs : elapsed < request.roundBudgetMs;
    if (roundsMs.length > 0 && !wanted) break;
    roundsMs.push((await timeCalls(session, x, request.batch, 1))[0]!);
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuPerWall = (cpu.user + cpu.system) / 1000 / (performance.now() - start);
  const medianMs = median(roundsMs);
  return { medianMs, rowsPerSec: request.batch / (medianMs / 1000), roundsMs, cpuPerWall };
}

/** Largest deviation from the reference over the first `referenceRows` rows of an output. */
function deviation(y: Float32Array, reference: Float32Array, rows: number, request: MeasureRequest): number {
  if (y.length !== rows * request.ctx.outputSize) throw new Error(`${request.runner}: ${y.length} outputs for ${rows} rows`);
  return maxAbsDiff(y, reference, Math.min(rows, request.referenceRows) * request.ctx.outputSize);
}

const request = readRequest<MeasureRequest>();
const rowSize = request.ctx.rowShape.reduce((a, b) => a * b, 1);
const x = readRows(request.inputFile, rowSize, request.rows);
const reference = readRows(request.referenceFile, request.ctx.outputSize, request.referenceRows);
const openStart = performance.now();
const session = await (await loadRunner(request.runner)).open(request.ctx);
const openMs = performance.now() - openStart;

const row = x.subarray(0, rowSize);
const big = x.subarray(0, request.batch * rowSize);
const oneRowError = deviation(Float32Array.from(await session.predict(row, 1)), reference, 1, request);
const latencyUs = await measureLatency(session, row, request);
const bigBatchError = deviation(Float32Array.from(await session.predict(big, request.batch)), reference, request.batch, request); // also the warm-up
const throughput = await measureThroughput(session, big, request);
await session.dispose?.();

const result: MeasureResult = { latencyUs, throughput, maxAbsError: Math.max(oneRowError, bigBatchError), openMs, ...(session.build ? { build: session.build } : {}) };
emit(result);
process.exit(0);
