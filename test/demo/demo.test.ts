/**
 * The Fashion-MNIST browser demo (examples/fashion-mnist/web/, served as `npm run demo` serves it):
 * in headless Chromium the page loads the bundle, makes no request beyond its own origin, logs no
 * error, and predicts for each sample test image what the same bundle predicts in Node. The weights
 * are untrained (`--no-train`): the predictions are compared, not the accuracy. A screenshot is left
 * in a temp directory (printed) for a person to look at.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { serveDemo } from '../../scripts/demo.js';
import { writeSamples } from '../../scripts/demo-samples.js';
import { cli } from '../helpers/cli.js';
import { launchChromium, recordPage } from '../helpers/browser.js';
import { removeTempDirs, tempDir } from '../wasm/temp.js';

afterAll(removeTempDirs);

/** The example's classifier with a narrower hidden layer: quick to build. */
const SMALL_MLP = `import { layers, sequential } from 'nnc';
export default sequential({ layers: [layers.flatten({ inputShape: [28, 28] }), layers.dense({ units: 16, activation: 'relu' }), layers.dense({ units: 10, activation: 'softmax' })] });
`;

interface Bundle {
  load(): Promise<{ predict(x: Float32Array, batch: number): Float32Array }>;
}

const argmax = (v: readonly number[]): number => v.reduce((best, x, i) => (x > v[best]! ? i : best), 0);

/** The status code the server answers for a raw (unnormalized) request path. */
const statusOf = (base: string, rawPath: string): Promise<number> =>
  new Promise((done, fail) => {
    const { hostname, port } = new URL(base);
    request({ hostname, port, path: rawPath, method: 'GET' }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    })
      .on('error', fail)
      .end();
  });

describe('the Fashion-MNIST demo page', () => {
  it('classifies the sample images as the bundle does in Node, with no errors and no outside requests', async () => {
    const dir = tempDir('demo');
    const model = join(dir, 'model.ts');
    writeFileSync(model, SMALL_MLP);
    const out = join(dir, 'dist');
    const built = await cli('build', model, '-o', out, '--no-train');
    expect(built.err).toBe('');
    expect(built.code).toBe(0);
    const samples = await writeSamples(out, 32);
    expect(samples.images).toHaveLength(32);

    const bundle = (await import(pathToFileURL(join(out, 'model.js')).href)) as Bundle;
    const inNode = await bundle.load();
    const expected = samples.images.map((bytes) => Array.from(inNode.predict(Float32Array.from(bytes, (v) => v / 255), 1)));

    const server = await serveDemo(out);
    const browser = await launchChromium();
    try {
      // Nothing outside the page's folder and the bundle's is served.
      // (URL parsing resolves '..' and '%2e%2e' segments; an encoded slash gets them past it.)
      expect(await statusOf(server.url, '/model/..%2fmodel.ts')).toBe(403);
      expect(await statusOf(server.url, '/..%2f..%2f..%2fpackage.json')).toBe(403);
      expect(await statusOf(server.url, '/model/model.wasm')).toBe(200);

      const page = await browser.newPage();
      const { errors, requests } = recordPage(page);
      await page.goto(server.url, { waitUntil: 'load' });
      await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });

      const inPage = (await page.evaluate('globalThis.demoResults')) as number[][];
      expect(inPage.map(argmax)).toEqual(expected.map(argmax));
      // The same WebAssembly on the same float32 inputs: the same probabilities, to float32 rounding.
      inPage.forEach((p, i) => p.forEach((v, k) => expect(Math.abs(v - expected[i]![k]!)).toBeLessThan(1e-6)));
      const shown = await page.$$eval('.sample', (cards) => cards.map((c) => Number((c as HTMLElement).dataset.predicted)));
      expect(shown).toEqual(expected.map(argmax));

      // Draw a stroke on the pad: the page classifies it.
      await page.locator('#pad').scrollIntoViewIfNeeded();
      const pad = (await page.locator('#pad').boundingBox())!;
      await page.mouse.move(pad.x + 80, pad.y + 60);
      await page.mouse.down();
      await page.mouse.move(pad.x + 200, pad.y + 220, { steps: 8 });
      await page.mouse.up();
      await expect.poll(() => page.locator('#drawn-result').textContent()).toMatch(/\(\d+\.\d%\) in (<0\.1|\d+\.\d) ms$/);

      expect(errors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith(server.url))).toEqual([]);
      expect(requests).toContain(new URL('model/samples.json', server.url).href);

      const shot = join(mkdtempSync(join(tmpdir(), 'nnc-demo-screenshot-')), 'demo.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`demo screenshot: ${shot}`);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
