/**
 * `npm run bench:cli`: how fast the nnc command starts and does small jobs, against `node -e 0`
 * in the same run. Each command runs in 5 fresh processes (plus one warm-up that fills the OS
 * file cache); the table shows median wall time and median peak RSS, and each command's excess
 * over `node -e 0`. A model file is measured as after an edit (type-checked: NNC_NO_CACHE=1)
 * and unchanged (its check cached, see src/frontend/model-file-cache.ts). `--main-job` also
 * runs the README's main job three times (train 5 epochs + build) and compares its wall time
 * with the fit time it reports.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median } from '../stats.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/nnc.js');
const PRELOAD = join(import.meta.dirname, 'peak-rss.cjs');
const MODEL = join(ROOT, 'examples/fashion-mnist/model.ts');
const RUNS = 5;

interface Sample {
  readonly wallS: number;
  readonly rssMiB: number;
  readonly stdout: string;
}

function runOnce(args: readonly string[], scratch: string, env: Readonly<Record<string, string>> = {}): Sample {
  const rssFile = join(scratch, 'rss.txt');
  writeFileSync(rssFile, '');
  const start = performance.now();
  const r = spawnSync(process.execPath, ['--require', PRELOAD, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, NNC_BENCH_RSS_FILE: rssFile },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const wallS = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}:\n${r.stderr}`);
  const kib = Number(readFileSync(rssFile, 'utf8').trim().split('\n')[0]);
  return { wallS, rssMiB: kib / 1024, stdout: r.stdout };
}

function measure(args: readonly string[], scratch: string, env: Readonly<Record<string, string>> = {}): { wallS: number; rssMiB: number } {
  runOnce(args, scratch, env); // warm-up: OS file cache, nnc's kernel and model-file caches
  const samples = Array.from({ length: RUNS }, () => runOnce(args, scratch, env));
  return { wallS: median(samples.map((s) => s.wallS)), rssMiB: median(samples.map((s) => s.rssMiB)) };
}

function main(): void {
  const scratch = mkdtempSync(join(tmpdir(), 'nnc-bench-cli-'));
  try {
    const out = join(scratch, 'bundle');
    // NNC_NO_CACHE=1: the model file is type-checked every time, as after an edit.
    const cold = { NNC_NO_CACHE: '1' };
    const rows: [string, readonly string[], Readonly<Record<string, string>>?][] = [
      ['node -e 0', ['-e', '0']],
      ['nnc --version', [BIN, '--version']],
      ['nnc --help', [BIN, '--help']],
      ['nnc summary model.ts (edited)', [BIN, 'summary', MODEL], cold],
      ['nnc summary model.ts (unchanged)', [BIN, 'summary', MODEL]],
      ['nnc build --no-train (edited)', [BIN, 'build', MODEL, '--no-train', '-o', out], cold],
      ['nnc build --no-train (unchanged)', [BIN, 'build', MODEL, '--no-train', '-o', out]],
    ];
    const results = rows.map(([name, args, env]) => ({ name, ...measure(args, scratch, env) }));
    const base = results[0]!;
    const lines = [
      `nnc CLI, median of ${RUNS} fresh processes (node ${process.version})`,
      '',
      `${'command'.padEnd(32)} ${'wall s'.padStart(7)} ${'+ s'.padStart(7)} ${'peak RSS MiB'.padStart(13)} ${'+ MiB'.padStart(7)}`,
      ...results.map(
        (r) =>
          `${r.name.padEnd(32)} ${r.wallS.toFixed(3).padStart(7)} ${(r.wallS - base.wallS).toFixed(3).padStart(7)} ${r.rssMiB.toFixed(1).padStart(13)} ${(r.rssMiB - base.rssMiB).toFixed(1).padStart(7)}`,
      ),
    ];
    if (process.argv.includes('--main-job')) {
      // Three runs (each trains for several seconds); the median overhead over the fit itself.
      const jobs = Array.from({ length: 3 }, () => {
        const job = runOnce([BIN, 'build', MODEL, '-o', out], scratch);
        const fit = /^fit: \d+ epochs? in ([\d.]+) s$/m.exec(job.stdout);
        const fitS = fit ? Number(fit[1]) : NaN;
        return { wallS: job.wallS, fitS, overheadS: job.wallS - fitS };
      });
      const m = (f: (j: (typeof jobs)[number]) => number) => median(jobs.map(f)).toFixed(2);
      lines.push('', `main job (train 5 epochs + build), median of 3: ${m((j) => j.wallS)} s wall, fit ${m((j) => j.fitS)} s, overhead ${m((j) => j.overheadS)} s`);
    }
    console.log(lines.join('\n'));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main();
