import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { checkOutputDir, makeParentDirs, type OutputOptions } from '../bundle/output-guard.js';
import { NncError } from '../errors.js';
import { toTfjsArtifacts, WEIGHTS_FILE } from '../frontend/export-tfjs.js';
import type { LayersModel } from '../frontend/model.js';

/**
 * Replaces directory `dir` by one `fill` writes, never leaving a half-written directory: the
 * new content is written to a temporary sibling, the old directory is moved aside, the new one
 * renamed into place, and only then the old one deleted. An interruption at any point leaves
 * either the previous directory or the complete new one under `dir`.
 *
 * What may be replaced follows the same rules as bundles (output-guard.ts, NNC4005); `nnc train`
 * passes the user's --force and the model file. Its output is recognised as nnc's by
 * `generatedBy: "nnc"` in model.json.
 */
export function replaceDirAtomic(dir: string, fill: (tmp: string) => void, options: OutputOptions = {}): void {
  const target = checkOutputDir(dir, options);
  const stamp = `${process.pid}-${Date.now()}`;
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${stamp}`);
  const old = join(dirname(target), `.${basename(target)}.old-${stamp}`);
  try {
    makeParentDirs(target);
    mkdirSync(tmp);
    fill(tmp);
    if (existsSync(target)) renameSync(target, old);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(target)) renameSync(old, target);
    throw new NncError('NNC4002', `cannot write '${dir}': ${(e as Error).message}`, { cause: e });
  }
  rmSync(old, { recursive: true, force: true });
}

/**
 * Saves `model` (with its current layer weights) as tfjs Layers JSON + weights.bin in `dir`, with
 * `extra` files (history.json) beside them.
 */
export function saveTfjsModel(dir: string, model: LayersModel, options?: OutputOptions, extra: readonly { readonly path: string; readonly contents: string }[] = []): void {
  const { modelJson, weightsBin } = toTfjsArtifacts(model);
  replaceDirAtomic(
    dir,
    (tmp) => {
      writeFileSync(join(tmp, WEIGHTS_FILE), weightsBin);
      writeFileSync(join(tmp, 'model.json'), JSON.stringify(modelJson));
      for (const f of extra) writeFileSync(join(tmp, f.path), f.contents);
    },
    options,
  );
}
