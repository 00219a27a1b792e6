import type { Rng } from './prng.js';

/**
 * Byte-level mutations for binary inputs (weight shards, ONNX files, wasm modules): flips,
 * interesting bytes and 32-bit words, truncation, duplicated or deleted runs.
 */
const INTERESTING_WORDS = [0, 1, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff, 0x7fc00000 /* NaN */, 0x7f800000 /* Inf */];

const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

const MUTATIONS: readonly ((rng: Rng, b: Uint8Array) => Uint8Array)[] = [
  (rng, b) => {
    if (b.length > 0) {
      const at = rng.int(b.length);
      b[at] = b[at]! ^ (1 << rng.int(8));
    }
    return b;
  },
  (rng, b) => {
    if (b.length > 0) b[rng.int(b.length)] = rng.pick([0, 1, 0x7f, 0x80, 0xff]);
    return b;
  },
  (rng, b) => {
    if (b.length >= 4) new DataView(b.buffer, b.byteOffset).setUint32(rng.int(b.length - 3), rng.pick(INTERESTING_WORDS), true);
    return b;
  },
  (rng, b) => b.slice(0, rng.int(b.length + 1)),
  (rng, b) => {
    const at = rng.int(b.length + 1);
    const len = rng.int(Math.min(64, b.length - at) + 1);
    return concat(b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len));
  },
  (rng, b) => {
    const at = rng.int(b.length + 1);
    return concat(b.subarray(0, at), b.subarray(at + 1 + rng.int(16)));
  },
];

/** 1-3 byte mutations of a copy of `seed`. */
export function mutateBytes(rng: Rng, seed: Uint8Array, count = 1 + rng.int(3)): Uint8Array<ArrayBuffer> {
  let b: Uint8Array = Uint8Array.from(seed);
  for (let i = 0; i < count; i++) b = rng.pick(MUTATIONS)(rng, b);
  return Uint8Array.from(b);
}
