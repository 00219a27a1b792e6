/**
 * A static HTTP server on 127.0.0.1 (loopback only) for the browser tests and `npm run demo`: GET
 * only, each URL prefix mapped to one directory, no listings, nothing outside the mapped directories
 * (a `..` that leaves one is refused with 403).
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
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

/**
 * The file a URL path names under `mounts` (URL prefix ending in '/' → directory), or undefined when
 * it names none or leaves its directory. The longest matching prefix wins.
 */
export function resolveMounted(mounts: Readonly<Record<string, string>>, pathname: string): string | undefined {
  const prefix = Object.keys(mounts)
    .filter((p) => pathname.startsWith(p))
    .sort((a, b) => b.length - a.length)[0];
  if (prefix === undefined) return undefined;
  const base = resolve(mounts[prefix]!);
  const rest = pathname.slice(prefix.length);
  const file = normalize(join(base, rest === '' || rest.endsWith('/') ? join(rest, 'index.html') : rest));
  return file.startsWith(base + sep) ? file : undefined;
}

/** Serves `mounts` (e.g. `{ '/': 'web', '/model/': 'dist/fashion' }`) on 127.0.0.1:`port` (0: any free port). */
export async function serveStatic(mounts: Readonly<Record<string, string>>, port = 0): Promise<StaticServer> {
  const server = createServer(async (req, res) => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (pathname === '/favicon.ico') {
      res.writeHead(204).end(); // browsers ask for it unprompted; a 404 would log a page error
      return;
    }
    const file = resolveMounted(mounts, pathname);
    if (req.method !== 'GET' || file === undefined) {
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
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', done);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () => new Promise<void>((done, fail) => server.close((e) => (e ? fail(e) : done()))),
  };
}
