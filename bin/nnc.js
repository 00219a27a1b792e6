#!/usr/bin/env node
// The nnc command. It runs the compiled JavaScript in lib/ (built by `npm run build`, which npm
// runs on install as the `prepare` script): no TypeScript loader at run time.
import { existsSync } from 'node:fs';

const entry = new URL('../lib/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('nnc: the compiled CLI (lib/) is missing; run `npm run build` in the nnc checkout.\n');
  process.exit(70);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
