/**
 * `npm run fuzz [-- --target NAME] [--runs N] [--seed S] [--from I]`: runs the seeded fuzzers and
 * prints, per target, the inputs run, successes, NncErrors by code and every crash with the
 * seed and index that make it again and the folder its input was written to. Exits 1 on a crash.
 */
import { parseArgs } from 'node:util';
import { setMaxWeightsMb } from '../src/frontend/weight-limit.js';
import { fuzz, type FuzzReport } from './harness.js';
import { TARGETS } from './targets/index.js';

const { values } = parseArgs({
  options: { target: { type: 'string', multiple: true }, runs: { type: 'string', default: '2000' }, seed: { type: 'string', default: '1' }, from: { type: 'string', default: '0' } },
});
const runs = Number(values.runs);
const seed = Number(values.seed);
const from = Number(values.from);
if (![runs, seed, from].every(Number.isSafeInteger) || runs < 1 || from < 0) {
  console.error('usage: npm run fuzz -- [--target NAME]... [--runs N] [--seed S] [--from I]');
  process.exit(2);
}
const unknown = (values.target ?? []).filter((t) => !TARGETS.some((x) => x.name === t));
if (unknown.length > 0) {
  console.error(`unknown target(s) ${unknown.join(', ')}; targets: ${TARGETS.map((t) => t.name).join(', ')}`);
  process.exit(2);
}
// Mutated sizes stay cheap: a layer of units 1e9 is refused (NNC1025), not allocated.
setMaxWeightsMb(8);

const reports: FuzzReport[] = [];
for (const target of TARGETS.filter((t) => !values.target || values.target.includes(t.name))) {
  const started = performance.now();
  const report = await fuzz(target, {
    seed,
    runs,
    from,
    onCrash: (c) => console.log(`  CRASH ${target.name} --seed ${seed} --from ${c.index} --runs 1: ${c.error.split('\n')[0]}\n    input: ${c.dir}`),
  });
  reports.push(report);
  const codes = Object.entries(report.codes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([c, n]) => `${c} ${n}`)
    .join(', ');
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${target.name}: ${report.runs} inputs in ${seconds} s, ${report.successes} succeeded, errors: ${codes || 'none'}; ${report.crashes.length} crash(es)`);
}
process.exit(reports.some((r) => r.crashes.length > 0) ? 1 : 0);
