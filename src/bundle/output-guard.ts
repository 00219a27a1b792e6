import { lstatSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import { NncError } from '../errors.js';
import { isInside, realpathOfNearest } from '../path-inside.js';
import { MANIFEST_FILE } from './manifest.js';

/** How `nnc build -o` and `nnc train -o` may treat what is already at the output path. */
export interface OutputOptions {
  /** --force: also replace a non-empty directory nnc did not write. Never allows the paths refused outright. */
  readonly force?: boolean;
  /** The model file being compiled or trained: no directory containing it is ever replaced. */
  readonly modelFile?: string;
}

const NEVER_HINT = 'nnc never replaces this directory, even with --force; choose a new directory for the output (e.g. dist/model).';

/**
 * Checks that `outDir` may be (re)placed by a directory nnc writes, before anything is written,
 * and returns its absolute path. nnc replaces an output directory as a whole, so this refuses
 * (NNC4005):
 * - always, even with --force: the empty path, `/`, the home directory, the current directory
 *   and any directory containing it (`.`, `..`), any directory containing the model file, and an
 *   existing file or symbolic link at the path;
 * - without --force: a non-empty directory nnc did not write.
 * An empty directory and one nnc wrote (see `writtenByNnc`) are replaced freely. Paths are
 * compared both as written and with symbolic links resolved.
 */
export function checkOutputDir(outDir: string, options: OutputOptions = {}): string {
  const refuse = (reason: string, hint = NEVER_HINT) => new NncError('NNC4005', `'${outDir}': ${reason}`, { hint });
  if (outDir.trim() === '') throw refuse('the path is empty (it would replace the current directory)');
  const target = resolve(outDir);
  const forms = [...new Set([target, realpathOfNearest(target)])];
  const hits = (dir: string) => forms.some((t) => isInside(dir, t) || isInside(realpathOfNearest(dir), t));
  if (forms.some((t) => parse(t).root === t)) throw refuse('it is the root directory');
  if (homes().some(hits)) throw refuse('it is the home directory or contains it');
  if (hits(process.cwd())) throw refuse('it is the current directory or contains it');
  if (options.modelFile !== undefined && hits(resolve(options.modelFile))) throw refuse('it contains the model file');

  let stat;
  try {
    stat = lstatSync(target);
  } catch {
    return target; // Missing (or unreadable: the writer then reports why it cannot write).
  }
  if (stat.isSymbolicLink()) throw refuse('it is a symbolic link; nnc writes a real directory in its place only where nothing is');
  if (!stat.isDirectory()) throw refuse('it is an existing file, not a directory');
  const entries = readdirSync(target);
  if (entries.length === 0 || options.force || writtenByNnc(target, entries)) return target;
  throw refuse(`it is a non-empty directory nnc did not write (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}); nothing was changed`, 'Choose a new directory, or pass --force to replace a directory nnc did not write.');
}

/** The home directory, as $HOME says and as the user database says. */
function homes(): string[] {
  const dirs = [homedir()];
  try {
    dirs.push(userInfo().homedir);
  } catch {
    // No user database entry (some containers): $HOME alone.
  }
  return dirs.filter((d) => d !== '');
}

/**
 * Whether directory `dir` (holding `entries`) is one nnc wrote, recognised by the marker each
 * writer leaves in it:
 * - a bundle (`nnc build`): `manifest.json` whose `compiler.name` is "nnc" (manifest.ts), or,
 *   for `--target all`, only subdirectories that each hold such a manifest;
 * - a trained model (`nnc train`): `model.json` whose `generatedBy` is "nnc" (export-tfjs.ts
 *   writes it; a model saved by tfjs or tensorflowjs_converter names those instead).
 * Either kind may replace the other: both are nnc's output.
 */
export function writtenByNnc(dir: string, entries: readonly string[] = readdirSync(dir)): boolean {
  if (hasNncMarker(dir)) return true;
  return entries.length > 0 && entries.every((e) => isDirectory(join(dir, e)) && hasNncMarker(join(dir, e)));
}

function hasNncMarker(dir: string): boolean {
  const bundle = readSmallJson(join(dir, MANIFEST_FILE)) as { compiler?: { name?: unknown } } | undefined;
  if (bundle?.compiler?.name === 'nnc') return true;
  const model = readSmallJson(join(dir, 'model.json')) as { generatedBy?: unknown } | undefined;
  return model?.generatedBy === 'nnc';
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The parsed JSON of a regular file (never a FIFO, which would block the read), or undefined. */
function readSmallJson(path: string): unknown {
  try {
    const stat = lstatSync(path);
    if (!stat.isFile() || stat.size > 64 * 1024 * 1024) return undefined;
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Creates the missing parents of `dir`, one level at a time from the deepest existing one.
 * Not `mkdir -p` (fs.mkdir with `recursive`): under /proc, mkdir answers ENOENT for a directory
 * whose parent exists, and Node's recursive mkdir then retries forever; here that ENOENT fails
 * at once.
 */
export function makeParentDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dirname(resolve(dir)); ; d = dirname(d)) {
    try {
      if (statSync(d).isDirectory()) break;
      throw Object.assign(new Error(`'${d}' is not a directory`), { code: 'ENOTDIR' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(d) === d) throw e;
    }
    missing.push(d);
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(d).isDirectory()) throw e;
    }
  }
}
