/**
 * Examples viewed with another row shape (Fashion-MNIST's [28, 28] bytes for a [28, 28, 1]
 * input), and batches gathered into a reused buffer.
 */
import { describe, expect, it } from 'vitest';
import { batchBuffer, gatherRows, reshapeExamples, type ByteExamples } from '../../src/train/batches.js';
import { tensor } from '../../src/ir/tensor.js';

describe('reshapeExamples', () => {
  it('views bytes and floats with a new row shape of as many values, without copying', () => {
    const values = Float32Array.from({ length: 256 }, (_, v) => v / 255);
    const bytes: ByteExamples = { shape: [3, 2, 2], bytes: Uint8Array.from({ length: 12 }, (_, i) => i * 20), values };
    const viewed = reshapeExamples(bytes, [2, 2, 1]) as ByteExamples;
    expect(viewed.shape).toEqual([3, 2, 2, 1]);
    expect(viewed.bytes).toBe(bytes.bytes);
    const batch = gatherRows(viewed, [2, 0], 0, 2);
    expect(batch.shape).toEqual([2, 2, 2, 1]);
    expect(Array.from(batch.data)).toEqual([160, 180, 200, 220, 0, 20, 40, 60].map((b) => values[b]!));
    const floats = tensor([2, 4], Float32Array.from({ length: 8 }, (_, i) => i));
    expect(reshapeExamples(floats, [2, 2]).shape).toEqual([2, 2, 2]);
  });

  it('refuses a row shape of another size', () => {
    expect(() => reshapeExamples(tensor([2, 4]), [3])).toThrow(/NNC5002 .*examples of shape \[4\] cannot be viewed as \[3\]/);
  });
});

describe('gatherRows into a reused buffer', () => {
  it('fills the front of the buffer, batch after batch, from bytes and from floats', () => {
    const values = Float32Array.from({ length: 256 }, (_, v) => v / 2);
    const bytes: ByteExamples = { shape: [4, 3], bytes: Uint8Array.from({ length: 12 }, (_, i) => i + 1), values };
    const order = [3, 1, 0, 2];
    const buffer = batchBuffer(bytes, 3);
    expect(buffer.length).toBe(9);
    const first = gatherRows(bytes, order, 0, 3, buffer);
    expect(first.data.buffer).toBe(buffer.buffer);
    expect(Array.from(first.data)).toEqual([10, 11, 12, 4, 5, 6, 1, 2, 3].map((b) => b / 2));
    // A shorter last batch: a view of the buffer's first row only.
    const last = gatherRows(bytes, order, 3, 4, buffer);
    expect(last.shape).toEqual([1, 3]);
    expect(Array.from(last.data)).toEqual([7, 8, 9].map((b) => b / 2));
    // Rows of 4 bytes are decoded a word at a time where they start 4-aligned, byte by byte where not.
    const whole = Uint8Array.from({ length: 13 }, (_, i) => i * 3);
    for (const offset of [0, 1]) {
      const words: ByteExamples = { shape: [3, 4], bytes: whole.subarray(offset, offset + 12), values };
      const expected = [2, 0].flatMap((r) => [0, 1, 2, 3].map((k) => values[(offset + r * 4 + k) * 3]!));
      expect(Array.from(gatherRows(words, [2, 0], 0, 2, batchBuffer(words, 2)).data)).toEqual(expected);
    }
    const floats = tensor([4, 2], Float32Array.from({ length: 8 }, (_, i) => i));
    const floatBuffer = batchBuffer(floats, 2);
    expect(Array.from(gatherRows(floats, order, 1, 3, floatBuffer).data)).toEqual([2, 3, 0, 1]);
    expect(Array.from(gatherRows(floats, order, 0, 2, floatBuffer).data)).toEqual([6, 7, 2, 3]);
  });
});
