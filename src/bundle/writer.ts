import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { NncError } from '../errors.js';
import { checkOutputDir, makeParentDirs, type OutputOptions } from './output-guard.js';
import type { BundleFile } from './target.js';

/**
 * Writes a bundle directory atomically: every file goes into a fresh temporary directory beside
 * `outDir`, which then replaces `outDir` by rename. A failure leaves the old directory (or none),
 * never a half-written one.
 *
 * What may be replaced is checked first (output-guard.ts; NNC4005 before anything is written):
 * only an empty directory or one nnc wrote, unless `force`; `nnc build` passes the user's
 * --force and the model file.
 */
export async function writeBundle(outDir: string, files: readonly BundleFile[], options: OutputOptions = {}): Promise<void> {
  const target = checkOutputDir(outDir, options);
  const parent = dirname(target);
  let staging: string | undefined;
  let previous: string | undefined;
  try {
    makeParentDirs(target);
    staging = await mkdtemp(join(parent, `.${basename(target)}.tmp-`));
    // mkdtemp makes a private (0700) directory; a bundle is meant to be served and shared.
    await chmod(staging, 0o755 & ~process.umask());
    for (const f of files) {
      const path = join(staging, f.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, f.contents);
    }
    const old = `${staging}.old`;
    previous = await rename(target, old).then(
      () => old,
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw e;
      },
    );
    await rename(staging, target);
    staging = undefined;
    if (previous) await rm(previous, { recursive: true, force: true });
  } catch (e) {
    if (staging) {
      await rm(staging, { recursive: true, force: true });
      if (previous) await rename(previous, target).catch(() => undefined);
    }
    throw new NncError('NNC4002', `cannot write '${outDir}': ${(e as Error).message}`, { cause: e });
  }
}
