import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export interface Bytes {
  readonly raw: number;
  readonly gzip: number;
}

/** Raw and gzip -9 bytes of a set of files, each compressed on its own (as a server sends them). */
export function bytesOf(files: readonly string[]): Bytes {
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    const data = readFileSync(f);
    raw += data.length;
    gzip += gzipSync(data, { level: 9 }).length;
  }
  return { raw, gzip };
}
