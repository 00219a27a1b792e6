/**
 * The check cache of model files, in the spirit of `tsc --incremental`: a model file that passed
 * nnc's checks (the unknown-layer scan and, for TypeScript, the type check) is recorded with the
 * SHA-256 of every file those checks read (the model file, the files it imports, any declaration
 * file outside nnc's own) and the JavaScript each model source was transpiled to. When every one
 * of those files comes back unchanged, nnc runs the recorded JavaScript and never loads the
 * TypeScript compiler, which is most of the start-up time of `nnc summary` and `nnc build`. An
 * edited file (or an edited import) misses the cache and is checked in full again.
 *
 * Entries live under `<nnc cache>/model-files/`, keyed by nnc's version, the TypeScript version,
 * whether the file was type-checked, and the model file's path and content. A cache that cannot
 * be read or written is skipped silently: it only costs the checks. `NNC_NO_CACHE=1` turns it off.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { nncCacheRoot } from '../cache-dir.js';
import { COMPILER_VERSION } from '../version.js';

/** A model source transpiled to CommonJS, with its source map's `mappings` (to report lines). */
export interface TranspiledFile {
  readonly code: string;
  readonly mappings: string;
}

interface Entry {
  /** Every file the checks read, by absolute path: its hash, and its JavaScript if it runs. */
  readonly files: Record<string, { readonly sha256: string; readonly transpiled?: TranspiledFile }>;
}

export const sha256 = (text: string | Uint8Array): string => createHash('sha256').update(text).digest('hex');

const enabled = () => process.env.NNC_NO_CACHE !== '1';

let tsVersion: string | undefined;

function entryPath(file: string, source: string, typeChecked: boolean): string {
  tsVersion ??= (JSON.parse(readFileSync(createRequire(import.meta.url).resolve('ts-morph/package.json'), 'utf8')) as { version: string }).version;
  const key = sha256(JSON.stringify([COMPILER_VERSION, tsVersion, typeChecked, file, sha256(source)]));
  return join(nncCacheRoot(), 'model-files', `${key}.json`);
}

/**
 * The transpiled sources of a model file that passed its checks before, by path, when the file
 * and everything its checks read are unchanged; otherwise undefined (check it in full).
 */
export function cachedCheck(file: string, source: string, typeChecked: boolean): Map<string, TranspiledFile> | undefined {
  if (!enabled()) return undefined;
  try {
    const entry = JSON.parse(readFileSync(entryPath(file, source, typeChecked), 'utf8')) as Entry;
    const transpiled = new Map<string, TranspiledFile>();
    for (const [path, recorded] of Object.entries(entry.files)) {
      if (sha256(readFileSync(path)) !== recorded.sha256) return undefined;
      if (recorded.transpiled) transpiled.set(path, recorded.transpiled);
    }
    return transpiled.has(file) ? transpiled : undefined;
  } catch {
    return undefined; // no entry, a file gone, or an unreadable cache
  }
}

/**
 * Records that `file` passed its checks: `read` are the other files the checks read (their
 * content now), `transpiled` the JavaScript of every model source that ran, by path.
 */
export function recordCheck(
  file: string,
  source: string,
  typeChecked: boolean,
  read: ReadonlyMap<string, string | Uint8Array>,
  transpiled: ReadonlyMap<string, { readonly source: string; readonly output: TranspiledFile }>,
): void {
  if (!enabled()) return;
  const files: Record<string, { sha256: string; transpiled?: TranspiledFile }> = {};
  for (const [path, content] of read) files[path] = { sha256: sha256(content) };
  for (const [path, t] of transpiled) files[path] = { sha256: sha256(t.source), transpiled: t.output };
  files[file] = { ...files[file], sha256: sha256(source) };
  try {
    writeFileAtomic(entryPath(file, source, typeChecked), JSON.stringify({ files } satisfies Entry));
  } catch {
    // A read-only cache only costs the checks next time.
  }
}
