/**
 * Real-browser tests: a static HTTP server on 127.0.0.1 (loopback only) and headless Chromium
 * driven by playwright-core, using Debian's chromium package.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.wgsl': 'text/plain; charset=utf-8',
  '.d.ts': 'text/plain; charset=utf-8',
};

export interface StaticServer {
  /** Base URL, ending in '/'. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the files under `root` (GET only, no directory listings, nothing outside root). */
export async function serveDirectory(root: string): Promise<StaticServer> {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    const path = normalize(join(base, decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname)));
    const file = path.endsWith(sep) ? join(path, 'index.html') : path;
    if (file === join(base, 'favicon.ico')) {
      res.writeHead(204).end(); // browsers ask for it unprompted; a 404 would log a page error
      return;
    }
    if (req.method !== 'GET' || (file !== base && !file.startsWith(base + sep))) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((done, fail) => server.close((e) => (e ? fail(e) : done()))),
  };
}

/** Headless Debian Chromium; `extraArgs` adds flags (e.g. --enable-unsafe-webgpu). */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}; browser tests need it: apt-get install -y chromium`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

export interface PageSession {
  readonly page: Page;
  readonly server: StaticServer;
  /** Errors the page logged or threw, for assertions and failure messages. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

/** Serves `root`, opens a page at the server's origin, and collects page errors. */
export async function openPage(root: string, options: { chromiumArgs?: readonly string[]; path?: string } = {}): Promise<PageSession> {
  const server = await serveDirectory(root);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium(options.chromiumArgs);
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(new URL(options.path ?? '', server.url).href);
    const opened = browser;
    return {
      page,
      server,
      pageErrors,
      close: async () => {
        await opened.close();
        await server.close();
      },
    };
  } catch (e) {
    await browser?.close();
    await server.close();
    throw e;
  }
}
