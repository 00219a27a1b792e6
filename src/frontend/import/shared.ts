import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { NncError } from '../../errors.js';
import type { z } from 'zod';
import { isInside } from '../../path-inside.js';
import { checkWeightBytes } from '../weight-limit.js';
import { checkSchema, WEIGHTS_MANIFEST } from './schemas.js';

/** A tfjs weights manifest: groups of weights stored back to back across shard files. */
export type WeightsManifest = z.infer<typeof WEIGHTS_MANIFEST>;

export type ManifestTensor =
  | { readonly shape: number[]; readonly dtype: 'f32'; readonly data: Float32Array }
  | { readonly shape: number[]; readonly dtype: 'i32'; readonly data: Int32Array };

/**
 * Reads every weight of a tfjs manifest (shards concatenated in order): float32 as f32 data,
 * int32 (shape constants, integer weights) as i32 data.
 */
export function readWeightsManifest(json: unknown, dir: string, file: string): Map<string, ManifestTensor> {
  const manifest = checkSchema(WEIGHTS_MANIFEST, json ?? [], file, 'the weights manifest', ['weightsManifest']);
  const declared = manifest.flatMap((g) => g.weights).reduce((sum, w) => sum + w.shape.reduce((n, d) => n * d, 4), 0);
  checkWeightBytes(declared, 'the weights manifest', { file });
  const out = new Map<string, ManifestTensor>();
  for (const group of manifest) {
    const shards = group.paths.map((p) => shardPath(p, dir, file));
    checkWeightBytes(shards.reduce((sum, s) => sum + statSync(s).size, 0), `weight files ${group.paths.join(', ')}`, { file });
    const bytes = Buffer.concat(shards.map((s) => readFileSync(s)));
    let offset = 0;
    for (const w of group.weights) {
      const size = w.shape.reduce((a, b) => a * b, 1);
      if (offset + size * 4 > bytes.length) throw new NncError('NNC6002', `weight file(s) end before '${w.name}'`, { location: { file } });
      // Copy: shard bytes may sit at any offset, typed arrays need alignment.
      const copy = new Uint8Array(size * 4);
      copy.set(bytes.subarray(offset, offset + size * 4));
      offset += size * 4;
      if (w.dtype === 'float32') out.set(w.name, { shape: w.shape, dtype: 'f32', data: new Float32Array(copy.buffer) });
      else if (w.dtype === 'int32') out.set(w.name, { shape: w.shape, dtype: 'i32', data: new Int32Array(copy.buffer) });
      else throw new NncError('NNC6001', `weight '${w.name}' has dtype ${w.dtype}`, { location: { file }, hint: 'Only float32 and int32 weights are supported.' });
    }
  }
  return out;
}

/**
 * The real path of weight shard `p` named by model file `file`, which must lie inside the model's
 * folder `dir` once every symbolic link is followed: a manifest naming `../x`, an absolute path
 * or a link pointing out of the folder would otherwise copy any readable file into the bundle.
 */
function shardPath(p: unknown, dir: string, file: string): string {
  if (typeof p !== 'string' || p === '' || p.includes('\0')) throw new NncError('NNC6002', `weight file name ${JSON.stringify(p)} is not a file name`, { location: { file } });
  const outside = () => new NncError('NNC6003', `weight file '${p}' lies outside the model's folder`, { location: { file } });
  const shard = resolve(dir, p);
  if (!existsSync(shard)) {
    if (!isInside(shard, resolve(dir))) throw outside();
    throw new NncError('NNC6002', `weight file '${p}' is missing`, { location: { file } });
  }
  const real = realpathSync(shard);
  if (!isInside(real, realpathSync(dir))) throw outside();
  // A FIFO or device would block the read forever, a directory cannot be read.
  if (!statSync(real).isFile()) throw new NncError('NNC6002', `weight file '${p}' is not a regular file`, { location: { file } });
  return real;
}

/** IR value names allow [A-Za-z0-9_./:-] and must not be plain numbers; other characters become '_'. */
export function irSafeName(name: string): string {
  const s = name.replace(/[^\w./:-]/g, '_');
  return /^\d+$/.test(s) ? `v${s}` : s;
}

/** A row-major [rows, cols] matrix transposed to [cols, rows] (a weight importers store transposed). */
export function transposed(data: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) t[k * rows + r] = data[r * cols + k]!;
  return t;
}
