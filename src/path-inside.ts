import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** True when `path` is `dir` itself or lies below it (both absolute, compared as written). */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * The absolute path with every symbolic link resolved, for a path that may not exist yet: the
 * deepest existing ancestor is resolved and the missing rest appended as written.
 */
export function realpathOfNearest(path: string): string {
  const missing: string[] = [];
  let p = resolve(path);
  for (;;) {
    try {
      return join(realpathSync(p), ...missing.reverse());
    } catch {
      const up = dirname(p);
      if (up === p) return resolve(path);
      missing.push(basename(p));
      p = up;
    }
  }
}
