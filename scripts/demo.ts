/**
 * `npm run demo [-- --port N] [-- --out DIR]`: builds the Fashion-MNIST bundle when DIR (default
 * dist/fashion) has none, writes its sample images, and serves the demo page
 * (examples/fashion-mnist/web/) at / and the bundle at /model/ on 127.0.0.1 until interrupted.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { main as nnc } from '../src/cli/main.js';
import { writeSamples } from './demo-samples.js';
import { serveStatic, type StaticServer } from './static-server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEMO_WEB_DIR = join(ROOT, 'examples', 'fashion-mnist', 'web');
const MODEL = join(ROOT, 'examples', 'fashion-mnist', 'model.ts');

/** Serves the demo page at / and `bundleDir` at /model/ (the path the page imports the bundle from). */
export const serveDemo = (bundleDir: string, port = 0): Promise<StaticServer> => serveStatic({ '/': DEMO_WEB_DIR, '/model/': bundleDir }, port);

async function run(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, out: { type: 'string', default: 'dist/fashion' } } });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer in [0, 65535], got '${values.port}'`);
  const out = resolve(values.out);
  if (!existsSync(join(out, 'model.js'))) {
    console.log(`no bundle in ${out}: building it (nnc build ${MODEL} -o ${out})`);
    const code = await nnc(['build', MODEL, '-o', out]);
    if (code !== 0) process.exit(code);
  }
  const samples = await writeSamples(out, 48, (m) => console.log(m));
  console.log(`wrote ${join(out, 'samples.json')} (${samples.labels.length} test images)`);
  const server = await serveDemo(out, port);
  console.log(`demo: ${server.url}  (Ctrl-C to stop)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await run();
