/**
 * Opens a build's report.html in headless Chromium (served from loopback) for the report tests,
 * and checks what every report must show: no errors, no request beyond the page itself, one SVG
 * node per IR node before and after the passes, and each fused node listing the source nodes it
 * stands for (its recorded origin) as they are drawn in the graph before the passes, every live
 * node before the passes being one of them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { originOf, type Graph } from '../../src/ir/graph.js';
import { eliminateDeadCode } from '../../src/passes/dce.js';
import { launchChromium, recordPage, serveDirectory } from '../helpers/browser.js';

const screenshots = mkdtempSync(join(tmpdir(), 'nnc-report-screenshots-'));

/** One drawn node's absorbed source nodes: op and the key of the node in the before SVG. */
export interface DrawnAbsorbed {
  readonly op: string;
  readonly source: string | null;
  readonly text: string;
}

export interface Opened {
  readonly errors: string[];
  readonly requests: string[];
  readonly url: string;
  readonly ops: (svg: string) => Promise<string[]>;
  readonly count: (selector: string) => Promise<number>;
  /** Per `g.node` of the SVG, in order: the absorbed boxes drawn inside it. */
  readonly absorbed: (svg: string) => Promise<DrawnAbsorbed[][]>;
}

/** Opens `dir/report.html` in Chromium, runs `check`, and writes a full-page screenshot named `name` (printed, for a person to look at). */
export async function openReport(dir: string, name: string, check: (page: Opened) => Promise<void>): Promise<void> {
  const server = await serveDirectory(dir);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const { errors, requests } = recordPage(page);
    const url = new URL('report.html', server.url).href;
    await page.goto(url, { waitUntil: 'load' });
    await check({
      errors,
      requests,
      url,
      ops: (svg) => page.$$eval(`#${svg} g.node`, (gs) => gs.map((g) => g.getAttribute('data-op')!)),
      count: (selector) => page.locator(selector).count(),
      absorbed: (svg) =>
        page.$$eval(`#${svg} g.node`, (gs) =>
          gs.map((g) => Array.from(g.querySelectorAll('g.absorbed'), (a) => ({ op: a.getAttribute('data-op')!, source: a.getAttribute('data-source'), text: a.textContent ?? '' }))),
        ),
    });
    const shot = join(screenshots, `${name}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`report screenshot: ${shot}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

/**
 * What every report shows of its two graphs: one node per IR node, in order, before and after;
 * each node after the passes that stands for other source nodes than one of its own op lists
 * exactly its recorded origin, each entry pointing to the before SVG's node of that op. Returns
 * the drawn absorbed lists (per node after the passes) for the caller's own expectations.
 */
export async function expectGraphs(page: Opened, before: Graph, after: Graph): Promise<DrawnAbsorbed[][]> {
  expect(page.errors).toEqual([]);
  expect(page.requests).toEqual([page.url]);
  const beforeOps = await page.ops('graph-before-svg');
  expect(beforeOps).toEqual(before.nodes.map((n) => n.op));
  expect(await page.ops('graph-after-svg')).toEqual(after.nodes.map((n) => n.op));
  // Nothing is drawn as absorbed before the passes: every node there stands for itself.
  expect((await page.absorbed('graph-before-svg')).flat()).toEqual([]);
  const drawn = await page.absorbed('graph-after-svg');
  after.nodes.forEach((n, i) => {
    const origin = originOf(n);
    const standsForItsOwnOp = origin.length === 1 && origin[0]!.op === n.op;
    const want = standsForItsOwnOp ? [] : origin.map((o) => ({ op: o.op, source: `n${before.nodes.indexOf(o)}` }));
    expect(drawn[i]!.map(({ op, source }) => ({ op, source })), `absorbed by node ${i} (${n.op})`).toEqual(want);
    // ...and each points to a node of the same op in the graph drawn before the passes.
    for (const a of drawn[i]!) expect(beforeOps[Number(a.source!.slice(1))]).toBe(a.op);
  });
  // Every node before the passes that an output depends on is computed by some node after them.
  const computed = new Set(after.nodes.flatMap(originOf));
  expect(eliminateDeadCode(before).nodes.filter((n) => !computed.has(n)).map((n) => n.op)).toEqual([]);
  return drawn;
}
