import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NncError } from '../src/errors.js';
import { Rng } from './prng.js';

/**
 * What every fuzz target shares: how an outcome is judged, and the loop that runs a target's
 * inputs and tallies what each gave.
 */

/** nnc's own-bug codes: an NncError with one of these is a crash like any other. */
export const BUG_CODES: ReadonlySet<string> = new Set(['NNC9001', 'NNC2007']);

/** One generated input: the files that reproduce it, and how to run it. */
export interface FuzzCase {
  /** File name -> content, written next to a crash report so the input can be replayed. */
  readonly files: Readonly<Record<string, string | Uint8Array>>;
  run(): void | Promise<void>;
}

export interface FuzzTarget {
  readonly name: string;
  /** What the target needs once (seeds, a built bundle); returns the maker of input `rng`. */
  prepare(): Promise<(rng: Rng) => FuzzCase>;
  /** Outcomes other than success or an NncError that are not crashes (the bundle's runtime errors). */
  readonly expectedError?: (e: unknown) => boolean;
  /** An NncError that reports a crash in other words (a model file's NNC1003 thrown by nnc's own code). */
  readonly hiddenCrash?: (e: NncError) => boolean;
}

export interface Crash {
  readonly index: number;
  readonly error: string;
  /** Where the input was written. */
  readonly dir: string;
}

export interface FuzzReport {
  readonly target: string;
  readonly seed: number;
  runs: number;
  successes: number;
  readonly codes: Record<string, number>;
  readonly crashes: Crash[];
}

/** The verdict on what one input did: success, an NncError's code, or a crash (anything else). */
export function judge(e: unknown, target: Pick<FuzzTarget, 'expectedError' | 'hiddenCrash'> = {}): { code: string } | { crash: string } {
  if (e instanceof NncError && !BUG_CODES.has(e.code) && !target.hiddenCrash?.(e)) return { code: e.code };
  if (!(e instanceof NncError) && target.expectedError?.(e)) return { code: (e as Error).name };
  const err = (e instanceof NncError && e.cause instanceof Error ? e.cause : e) as Error;
  return { crash: `${err?.name ?? typeof e}: ${String(err?.message ?? e).split('\n')[0]}\n${err?.stack?.split('\n').slice(1, 6).join('\n') ?? ''}` };
}

/** Runs inputs `from` .. `from + runs - 1` of `target` seeded `seed`; crashes are written under the temp dir. */
export async function fuzz(target: FuzzTarget, options: { seed: number; runs: number; from?: number; onCrash?: (c: Crash) => void }): Promise<FuzzReport> {
  const make = await target.prepare();
  const report: FuzzReport = { target: target.name, seed: options.seed, runs: 0, successes: 0, codes: {}, crashes: [] };
  const from = options.from ?? 0;
  for (let index = from; index < from + options.runs; index++) {
    const input = make(Rng.forInput(options.seed, target.name, index));
    report.runs++;
    try {
      await input.run();
      report.successes++;
      continue;
    } catch (e) {
      const verdict = judge(e, target);
      if ('code' in verdict) {
        report.codes[verdict.code] = (report.codes[verdict.code] ?? 0) + 1;
        continue;
      }
      const dir = join(tmpdir(), 'nnc-fuzz-crashes', `${target.name}-seed${options.seed}-${index}`);
      mkdirSync(dir, { recursive: true });
      for (const [name, content] of Object.entries(input.files)) writeFileSync(join(dir, name), content);
      writeFileSync(join(dir, 'error.txt'), verdict.crash);
      const crash = { index, error: verdict.crash, dir };
      report.crashes.push(crash);
      options.onCrash?.(crash);
    }
  }
  return report;
}
