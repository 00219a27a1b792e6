/**
 * PyTorch as a peer of `npm run bench`: not a JavaScript engine (no runner file: nothing to ship or
 * cold-start in Node), so only its latency, throughput and agreement are measured, by
 * bench/torch/predict.py in a Python process of its own, on the twin of the tfjs artifact the
 * other engines load. Its rows compare with nnc like any other.
 */
import { join } from 'node:path';
import type { MeasureRequest, MeasureResult } from './child/protocol.js';
import { MALLOC_NOTE, NO_TORCH, ONE_THREAD_ENV, pythonWithTorch } from './python.js';
import type { RunnerResult } from './results.js';
import { runChild } from './spawn.js';

/** The names `--only` accepts for it. */
export const PYTORCH = 'pytorch';

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  pytorch: 'PyTorch (CPU, one thread, inference_mode) on the twin of the tfjs artifact',
  'pytorch-nn': "PyTorch's own recurrent modules, sigmoid gates: NOT the same model, a timing only",
};

export interface PytorchRequest extends Omit<MeasureRequest, 'runner' | 'ctx'> {
  readonly tfjsDir: string;
  readonly outputSize: number;
}

/** The PyTorch rows (the twin; and torch's own modules where the twin needs a loop), or one skipped row. */
export async function measurePytorch(benchDir: string, request: PytorchRequest): Promise<RunnerResult[]> {
  const row = (name: string): RunnerResult => ({ name, description: DESCRIPTIONS[name]!, baseline: 'nnc', errors: [] });
  const python = pythonWithTorch();
  if (!python) return [{ ...row(PYTORCH), skipped: NO_TORCH }];
  try {
    const { runs } = await runChild<{ runs: { name: string; note: string; measure: MeasureResult }[] }>(join(benchDir, 'torch/predict.py'), request, 600_000, { command: python, env: ONE_THREAD_ENV });
    return runs.map((r) => ({ ...row(r.name), measure: r.measure, note: `${r.note}; ${MALLOC_NOTE}` }));
  } catch (e) {
    return [{ ...row(PYTORCH), errors: [`measure: ${(e instanceof Error ? e.message : String(e)).split('\n').slice(0, 8).join(' | ')}`] }];
  }
}
