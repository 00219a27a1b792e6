/**
 * Real-browser tests: a static HTTP server on 127.0.0.1 (loopback only) and headless Chromium
 * driven by playwright-core, using Debian's chromium package.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serveStatic, type StaticServer } from '../../scripts/static-server.js';

export type { StaticServer };

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

/** Serves the files under `root` (GET only, no directory listings, nothing outside root). */
export const serveDirectory = (root: string): Promise<StaticServer> => serveStatic({ '/': root });

/** Headless Debian Chromium; `extraArgs` adds flags (e.g. --enable-unsafe-webgpu). */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}; browser tests need it: apt-get install -y chromium`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** What a page did, collected as it happens: errors it logged or threw, URLs it requested. */
export interface PageRecord {
  readonly errors: string[];
  readonly requests: string[];
}

/** Starts recording `page`'s errors (page errors and console errors) and requests. */
export function recordPage(page: Page): PageRecord {
  const record: PageRecord = { errors: [], requests: [] };
  page.on('pageerror', (e) => record.errors.push(e.message));
  page.on('console', (m) => void (m.type() === 'error' && record.errors.push(m.text())));
  page.on('request', (r) => void record.requests.push(r.url()));
  return record;
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
    const pageErrors = recordPage(page).errors;
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
