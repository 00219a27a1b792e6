/**
 * The IDX format of (Fashion-)MNIST: a big-endian header (two zero bytes, a type code, the rank)
 * followed by one uint32 per dimension and the data. Files may be gzipped (`.gz`), recognized
 * by their magic bytes rather than their name.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { NncError } from '../../errors.js';

const UBYTE = 0x08;

export interface IdxArray {
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Parses an unsigned-byte IDX file (raw or gzipped). `name` is used in errors. */
export function parseIdx(file: Uint8Array, name: string): IdxArray {
  const bytes = isGzip(file) ? new Uint8Array(gunzipSync(file)) : file;
  const bad = (why: string): never => {
    throw new NncError('NNC5003', `'${name}' is not an IDX file: ${why}`, { hint: 'Delete the file so it is fetched again, or replace it with the official one.' });
  };
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) bad('bad magic number');
  if (bytes[2] !== UBYTE) bad(`element type 0x${bytes[2]!.toString(16)} (only unsigned bytes are supported)`);
  const rank = bytes[3]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 + 4 * rank) bad('truncated header');
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = shape.reduce((a, d) => a * d, 1);
  const start = 4 + 4 * rank;
  if (bytes.length !== start + size) bad(`expected ${size} data bytes for shape [${shape.join(',')}], found ${bytes.length - start}`);
  return { shape, data: bytes.subarray(start) };
}

/** Encodes unsigned bytes as IDX (gzipped when asked): caches and test fixtures use it. */
export function encodeIdx(shape: readonly number[], data: Uint8Array, gzip = false): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  const view = new DataView(header.buffer);
  header[2] = UBYTE;
  header[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const raw = new Uint8Array(header.length + data.length);
  raw.set(header);
  raw.set(data, header.length);
  return gzip ? new Uint8Array(gzipSync(raw)) : raw;
}
