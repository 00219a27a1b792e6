/** Examples viewed with another row shape: Fashion-MNIST's [28, 28] bytes for a [28, 28, 1] input. */
import { describe, expect, it } from 'vitest';
import { gatherRows, reshapeExamples, type ByteExamples } from '../../src/train/batches.js';
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
