import { homedir } from 'node:os';
import { join } from 'node:path';

/** nnc's cache: $NNC_CACHE_DIR, else $XDG_CACHE_HOME/nnc, else ~/.cache/nnc. */
export function nncCacheRoot(): string {
  return process.env.NNC_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nnc');
}
