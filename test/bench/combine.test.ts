import { describe, expect, it } from 'vitest';
import type { MeasureResult } from '../../bench/child/protocol.js';
import { combinePasses } from '../../bench/combine.js';

const pass = (latency: number, throughputMs: number, cpuPerWall = 1, error = 1e-8): MeasureResult => ({
  latencyUs: { median: latency, p10: latency - 1, p90: latency + 1, calls: 1000, roundMedians: [latency, latency] },
  throughput: { medianMs: throughputMs, rowsPerSec: 256 / (throughputMs / 1000), roundsMs: [throughputMs], cpuPerWall },
  maxAbsError: error,
  openMs: 10,
});

describe('bench: passes of one runner combined (--passes)', () => {
  it('reports the median pass, keeps every call and round, and flags the worst pass', () => {
    const combined = combinePasses([pass(200, 40), pass(320, 70, 1.8), pass(160, 36, 1, 3e-8)], 256);
    expect(combined.latencyUs.median).toBe(200);
    expect(combined.latencyUs.p90).toBe(201);
    expect(combined.latencyUs.calls).toBe(3000);
    expect(combined.latencyUs.roundMedians).toHaveLength(6);
    expect(combined.throughput.medianMs).toBe(40);
    expect(combined.throughput.rowsPerSec).toBeCloseTo(6400, 6);
    expect(combined.throughput.roundsMs).toEqual([40, 70, 36]);
    expect(combined.throughput.cpuPerWall).toBe(1.8);
    expect(combined.maxAbsError).toBe(3e-8);
  });

  it('keeps the build the engine loaded, and shows passes that loaded different builds', () => {
    const relaxed = { ...pass(150, 30), build: 'model.relaxed.wasm' };
    expect(combinePasses([relaxed, relaxed], 256).build).toBe('model.relaxed.wasm');
    expect(combinePasses([relaxed, { ...pass(150, 30), build: 'model.wasm' }], 256).build).toBe('model.relaxed.wasm / model.wasm');
    expect(combinePasses([pass(150, 30), pass(150, 30)], 256)).not.toHaveProperty('build');
  });

  it('passes a single pass through unchanged', () => {
    const one = pass(150, 30);
    expect(combinePasses([one], 256)).toBe(one);
  });
});
