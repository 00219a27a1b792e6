import { createHash } from 'node:crypto';
import { NncError } from '../../errors.js';
import { writeFileAtomic } from '../../atomic-write.js';

export interface RemoteFile {
  readonly name: string;
  /** Expected MD5 of the file's bytes (as published for Fashion-MNIST). */
  readonly md5: string;
}

export function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/**
 * Downloads `baseUrl + file.name` into `dest`, checking its MD5 before the file appears there
 * (a torn or corrupted download never lands in the cache). Throws NNC5004 on any failure.
 */
export async function downloadVerified(baseUrl: string, file: RemoteFile, dest: string, timeoutMs = 60_000): Promise<Uint8Array> {
  const url = new URL(file.name, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).toString();
  let bytes: Uint8Array;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    // fetch only says 'fetch failed'; the reason (ENOTFOUND, ECONNREFUSED, 'bad port') is its cause.
    const inner = (e as { cause?: { code?: string; message?: string } }).cause;
    const cause = inner?.code ?? inner?.message ?? (e as Error).message;
    throw new NncError('NNC5004', `${url}: ${cause}`, { cause: e });
  }
  const sum = md5(bytes);
  if (sum !== file.md5) throw new NncError('NNC5004', `${url}: checksum mismatch (md5 ${sum}, expected ${file.md5})`);
  writeFileAtomic(dest, bytes);
  return bytes;
}
