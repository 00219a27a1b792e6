/**
 * A short seeded run of every fuzzer (`npm run fuzz` runs thousands of inputs): each input must
 * succeed or fail with an NncError that has a code (not NNC9001 / NNC2007, nnc's own-bug codes),
 * and a bundle must refuse bad input with an Error in its own words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_WEIGHTS_MB, setMaxWeightsMb } from '../../src/frontend/weight-limit.js';
import { fuzz } from '../../fuzz/harness.js';
import { TARGETS } from '../../fuzz/targets/index.js';
import { removeTempDirs } from '../wasm/temp.js';

/** Inputs per target: the model-file target type-checks and runs TypeScript, the slowest by far. */
const RUNS: Record<string, number> = { 'tfjs-layers': 300, 'tfjs-graph': 300, onnx: 300, 'model-file': 60, training: 300, bundle: 200 };
const SEED = 20261202;

describe('fuzzers (seeded, short run)', () => {
  beforeAll(() => setMaxWeightsMb(8));
  afterAll(() => {
    setMaxWeightsMb(DEFAULT_MAX_WEIGHTS_MB);
    removeTempDirs();
  });

  it('has a run length for every target', () => {
    expect(TARGETS.map((t) => t.name).sort()).toEqual(Object.keys(RUNS).sort());
  });

  it.each(TARGETS.map((t) => [t.name, t] as const))('%s: no crashes', async (_name, target) => {
    const report = await fuzz(target, { seed: SEED, runs: RUNS[target.name]! });
    expect(report.crashes.map((c) => `#${c.index} ${c.error.split('\n')[0]} (${c.dir})`)).toEqual([]);
    expect(report.runs).toBe(RUNS[target.name]);
    // The mutations reach past the first check: some inputs are still accepted, others refused.
    expect(report.successes).toBeGreaterThan(0);
    expect(Object.keys(report.codes).length).toBeGreaterThan(1);
  }, 60_000);
});
