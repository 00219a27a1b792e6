/**
 * The demo page's sample images: the first `count` Fashion-MNIST test images and their labels, from
 * nnc's own loader, as `samples.json` beside the bundle (pixels as bytes 0–255; the page scales them
 * by 1/255 as the loader does). Generated, never committed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFashionMnist } from '../src/train/data/fashion-mnist.js';

/** Fashion-MNIST's class names, by label. */
export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

export interface DemoSamples {
  readonly classes: readonly string[];
  readonly labels: readonly number[];
  /** One array of 784 pixel bytes (row-major 28×28) per image. */
  readonly images: readonly (readonly number[])[];
}

export const SAMPLES_FILE = 'samples.json';
const PIXELS = 28 * 28;

/** Writes `dir/samples.json` with the first `count` test images; returns what it wrote. */
export async function writeSamples(dir: string, count = 48, log?: (message: string) => void): Promise<DemoSamples> {
  const { test } = await loadFashionMnist(log ? { log } : {});
  const n = Math.min(count, test.x.shape[0]!);
  if (!('bytes' in test.x)) throw new Error('the Fashion-MNIST loader returned no pixel bytes');
  const { bytes } = test.x;
  const samples: DemoSamples = {
    classes: FASHION_CLASSES,
    labels: Array.from(test.y.data.subarray(0, n)),
    images: Array.from({ length: n }, (_, i) => Array.from(bytes.subarray(i * PIXELS, (i + 1) * PIXELS))),
  };
  writeFileSync(join(dir, SAMPLES_FILE), JSON.stringify(samples));
  return samples;
}
