import { NncError } from '../errors.js';
import { initializerRandom } from './random.js';

export type InitializerName = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'zeros' | 'ones';

/**
 * Fan-in and fan-out of a weight shape, as Keras computes them: [in, out] for dense kernels, and
 * for convolution kernels [...window, in, out] the window's size times each.
 */
function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  if (shape.length > 2) {
    const window = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    return [window * shape[shape.length - 2]!, window * shape[shape.length - 1]!];
  }
  const n = shape.reduce((a, b) => a * b, 1);
  return [n, n];
}

/** Keras initializers by name; draws from the seeded initializer stream. */
export function initialize(name: InitializerName, shape: readonly number[]): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  const rng = initializerRandom();
  const [fanIn, fanOut] = fans(shape);
  switch (name) {
    case 'zeros':
      return out;
    case 'ones':
      return out.fill(1);
    case 'glorotUniform': {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < size; i++) out[i] = rng.uniform(-limit, limit);
      return out;
    }
    case 'heUniform': {
      const limit = Math.sqrt(6 / fanIn);
      for (let i = 0; i < size; i++) out[i] = rng.uniform(-limit, limit);
      return out;
    }
    case 'glorotNormal':
    case 'heNormal': {
      // Truncated normal as Keras: redraw beyond two standard deviations.
      const std = name === 'glorotNormal' ? Math.sqrt(2 / (fanIn + fanOut)) : Math.sqrt(2 / fanIn);
      const truncStd = std / 0.87962566103423978;
      for (let i = 0; i < size; i++) {
        let z: number;
        do z = rng.normal();
        while (Math.abs(z) > 2);
        out[i] = z * truncStd;
      }
      return out;
    }
    default:
      throw new NncError('NNC1006', `unknown initializer '${String(name)}'`, {
        hint: 'Use glorotUniform, glorotNormal, heUniform, heNormal, zeros or ones.',
      });
  }
}
