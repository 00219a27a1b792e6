/**
 * The results as a text table, one row per runner, each metric followed by its ratio to nnc
 * (`×N`: nnc is N times better — faster, higher throughput, or smaller), then the issue's
 * targets checked against the peers measured in the same run.
 */
import type { BenchResults, RunnerResult } from './results.js';
import { MODEL_TARGETS, targetsFor } from './targets.js';

const fmt = (x: number | undefined, digits = 1): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));
const kb = (bytes: number | undefined): string => (bytes === undefined ? '-' : (bytes / 1024).toFixed(bytes < 10240 ? 2 : 0));

/** How many times better nnc is: `lowerIsBetter` for times and sizes. */
function ratio(nnc: number | undefined, peer: number | undefined, lowerIsBetter: boolean): string {
  if (nnc === undefined || peer === undefined || !(nnc > 0) || !(peer > 0)) return '';
  return `×${(lowerIsBetter ? peer / nnc : nnc / peer).toFixed(peer / nnc > 100 || nnc / peer > 100 ? 0 : 1)}`;
}

interface Column {
  readonly title: string;
  readonly value: (r: RunnerResult, flopsPerRow: number) => number | undefined;
  readonly format: (v: number | undefined) => string;
  readonly lowerIsBetter: boolean;
}

const SPEED: readonly Column[] = [
  { title: 'batch-1 µs', value: (r) => r.measure?.latencyUs.median, format: (v) => fmt(v, 1), lowerIsBetter: true },
  { title: 'rows/s @batch', value: (r) => r.measure?.throughput.rowsPerSec, format: (v) => fmt(v, 0), lowerIsBetter: false },
  { title: 'µs/row @batch', value: (r) => (r.measure ? 1e6 / r.measure.throughput.rowsPerSec : undefined), format: (v) => fmt(v, 1), lowerIsBetter: true },
  { title: 'GFLOP/s', value: (r, f) => (r.measure ? (r.measure.throughput.rowsPerSec * f) / 1e9 : undefined), format: (v) => fmt(v, 2), lowerIsBetter: false },
  { title: 'cold ms', value: (r) => r.cold?.medianMs, format: (v) => fmt(v, 1), lowerIsBetter: true },
  { title: 'peak RSS +MiB', value: (r) => r.cold?.rssOverBaselineMiB, format: (v) => fmt(v, 1), lowerIsBetter: true },
];

const SIZE: readonly Column[] = [
  { title: 'code KB', value: (r) => r.shipped?.code.raw, format: kb, lowerIsBetter: true },
  { title: 'code KB gz', value: (r) => r.shipped?.code.gzip, format: kb, lowerIsBetter: true },
  { title: 'weights KB', value: (r) => r.shipped?.weights.raw, format: kb, lowerIsBetter: true },
  { title: 'weights KB gz', value: (r) => r.shipped?.weights.gzip, format: kb, lowerIsBetter: true },
];

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

/** One row per runner: each column's value and its ratio to nnc, then `extra` columns. */
export function formatTable(results: BenchResults, columns: readonly Column[], extra: [string, (r: RunnerResult) => string][] = []): string {
  const header = ['runner', ...columns.flatMap((c) => [atBatch(c.title, results), 'vs nnc']), ...extra.map(([title]) => title)];
  const rows = results.runners.map((r) => [
    r.name,
    ...columns.flatMap((c) => {
      const v = c.value(r, results.flopsPerRow);
      const nnc = results.runners.find((b) => b.name === r.baseline);
      const base = nnc && r !== nnc ? c.value(nnc, results.flopsPerRow) : undefined;
      return [c.format(v), ratio(base, v, c.lowerIsBetter)];
    }),
    ...extra.map(([, cell]) => cell(r)),
  ]);
  return table([header, ...rows]);
}

/** '@batch' in a title names the run's throughput batch. */
const atBatch = (text: string, results: BenchResults) => text.replace('@batch', `@${results.batch}`);

const column = (title: string) => [...SPEED, ...SIZE].find((c) => c.title === title)!;

export function formatTargets(results: BenchResults): string[] {
  const nnc = results.runners.find((r) => r.name === 'nnc');
  if (!nnc?.measure) return ['  not checked: nnc was not measured'];
  const targets = targetsFor(results.model);
  if (!targets) return [`  none set for ${results.model} (the issue sets targets for ${MODEL_TARGETS.map((t) => t.model).join(', ')})`];
  const mark = (ok: boolean) => (ok ? '  ok  ' : '  MISS');
  const relative = targets.relative.map(({ what, peer, column: title, need }) => {
    const c = column(title);
    const peerRow = results.runners.find((r) => r.name === peer);
    const ours = c.value(nnc, results.flopsPerRow);
    const theirs = peerRow && c.value(peerRow, results.flopsPerRow);
    if (ours === undefined || theirs === undefined) return `  ?     ${atBatch(what, results)} vs ${peer}: not measured`;
    const times = c.lowerIsBetter ? theirs / ours : ours / theirs;
    const verdict = need === undefined ? '  info' : mark(times >= need);
    const target = need === undefined ? 'no target' : `target ×${need}`;
    return `${verdict} ${atBatch(what, results)}: ×${times.toFixed(2)} better than ${peer} (${target}); nnc ${c.format(ours)} vs ${c.format(theirs)} ${atBatch(c.title, results)}`;
  });
  const absolute = targets.absolute.map(({ what, value, limit, unit }) => {
    const v = value(nnc);
    return v === undefined ? `  ?     ${what}: not measured` : `${mark(v <= limit)} ${what}: ${v.toFixed(2)} ${unit} (target ≤ ${limit} ${unit})`;
  });
  return [...relative, ...absolute];
}

export function formatReport(results: BenchResults): string {
  const lines = [
    `nnc bench — ${results.model}: ${results.parameters.toLocaleString('en-US')} parameters, ${results.flopsPerRow.toLocaleString('en-US')} FLOP/row; ${results.date}, Node ${results.node}, one thread each`,
    `batch-1: median of ${results.calls} calls; throughput: batch ${results.batch}${results.passes > 1 ? `; each the median of ${results.passes} passes, the runners interleaved` : ''}; cold start (import to first result) and peak RSS: median of ${results.coldRuns} fresh processes, RSS over node -e 0's ${(results.baselineRssKiB / 1024).toFixed(1)} MiB`,
    `×N = nnc is N times better (faster, more rows/s, or fewer bytes; WebGPU rows vs nnc-webgpu). max |Δ| = largest deviation from nnc's reference interpreter.`,
    '',
    formatTable(results, SPEED, [['max |Δ|', (r) => (r.measure ? r.measure.maxAbsError.toExponential(1) : '-')]]),
    '',
    formatTable(results, SIZE),
    '',
    'shipped files counted (each gzipped -9 on its own):',
    ...results.runners.map((r) => `  ${r.name}: ${r.shipped?.note ?? (r.note ? `nothing shipped (a Python peer: latency, throughput, max |Δ| only): ${r.note}` : '-')}`),
  ];
  const builds = results.runners.flatMap((r) => (r.measure?.build ? [`  ${r.name}: ${r.measure.build}`] : []));
  if (builds.length) lines.push('', 'the build each engine loaded on this machine:', ...builds);
  const problems = results.runners.flatMap((r) => [
    ...(r.skipped ? [`  ${r.name}: skipped — ${r.skipped}`] : []),
    ...r.errors.map((e) => `  ${r.name}: ${e}`),
    ...(r.measure && r.measure.latencyUs.calls < results.calls * results.passes ? [`  ${r.name}: batch-1 median over ${r.measure.latencyUs.calls} calls only (time limit)`] : []),
    ...(r.measure && r.measure.throughput.cpuPerWall > 1.3 ? [`  ${r.name}: used ${r.measure.throughput.cpuPerWall.toFixed(1)} cores during the throughput rounds`] : []),
  ]);
  if (problems.length) lines.push('', 'not (fully) measured:', ...problems);
  lines.push('', 'targets (nnc vs the peers above):', ...formatTargets(results));
  return lines.join('\n');
}
