#!/usr/bin/env node
// The nnc command. It runs the compiled JavaScript in lib/ (built by `npm run build`, which npm
// runs on install as the `prepare` script): no TypeScript loader at run time. Commands run in a
// worker thread (lib/cli/isolation.js), so a model file cannot end or exhaust this process.
import { existsSync } from 'node:fs';

const lib = new URL('../lib/cli/', import.meta.url);
if (!existsSync(new URL('main.js', lib))) {
  process.stderr.write('nnc: the compiled CLI (lib/) is missing; run `npm run build` in the nnc checkout.\n');
  process.exit(70);
}
const argv = process.argv.slice(2);
// Help and the version run no model file: no worker needed.
if (argv.length === 0 || ['--help', '-h', 'help', '--version', '-v'].includes(argv[0])) {
  const { main } = await import(new URL('main.js', lib).href);
  process.exitCode = await main(argv);
} else {
  const { runIsolated } = await import(new URL('isolation.js', lib).href);
  process.exitCode = await runIsolated(argv);
}
