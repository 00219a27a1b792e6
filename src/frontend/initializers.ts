import { NncError } from '../errors.js';
import { initializerRandom } from './random.js';

export type InitializerName = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'orthogonal' | 'zeros' | 'ones' | 'randomUniform';

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

/** Keras' class name of each initializer, for saved configs. */
const KERAS_INITIALIZER: Record<InitializerName, string> = {
  zeros: 'Zeros',
  ones: 'Ones',
  glorotUniform: 'GlorotUniform',
  glorotNormal: 'GlorotNormal',
  heUniform: 'HeUniform',
  heNormal: 'HeNormal',
  orthogonal: 'Orthogonal',
  randomUniform: 'RandomUniform',
};

/** An initializer as Keras serializes it in a layer config. */
export function kerasInitializer(name: InitializerName): { class_name: string; config: Record<string, unknown> } {
  if (name === 'randomUniform') return { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } };
  const config = name === 'orthogonal' ? { gain: 1, seed: null } : name.startsWith('glorot') || name.startsWith('he') ? { seed: null } : {};
  return { class_name: KERAS_INITIALIZER[name], config };
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
    case 'randomUniform':
      // Keras' and tfjs-layers' RandomUniform defaults (the Embedding initializer): [-0.05, 0.05].
      for (let i = 0; i < size; i++) out[i] = rng.uniform(-0.05, 0.05);
      return out;
    case 'orthogonal':
      return orthogonal(shape, rng.normal.bind(rng));
    default:
      throw new NncError('NNC1006', `unknown initializer '${String(name)}'`, {
        hint: 'Use glorotUniform, glorotNormal, heUniform, heNormal, orthogonal, randomUniform, zeros or ones.',
      });
  }
}

/**
 * Keras' Orthogonal (gain 1): a normal matrix of [prod(shape[:-1]), shape[-1]] made orthonormal
 * along its shorter side. Gram-Schmidt (in float64) gives Q with R's diagonal positive, which is
 * Keras' `q * sign(diag(r))`. Recurrent kernels use it so repeated products neither grow nor fade.
 */
function orthogonal(shape: readonly number[], normal: () => number): Float32Array {
  const cols = shape[shape.length - 1] ?? 1;
  const rows = shape.reduce((a, b) => a * b, 1) / cols;
  // Orthonormalize the `m` vectors of length `n` (m <= n), then lay them out as rows or columns.
  const [m, n] = rows < cols ? [rows, cols] : [cols, rows];
  const q = Array.from({ length: m }, () => Float64Array.from({ length: n }, normal));
  for (let i = 0; i < m; i++) {
    const v = q[i]!;
    for (let j = 0; j < i; j++) {
      const u = q[j]!;
      let dot = 0;
      for (let k = 0; k < n; k++) dot += u[k]! * v[k]!;
      for (let k = 0; k < n; k++) v[k] = v[k]! - dot * u[k]!;
    }
    const norm = Math.hypot(...v) || 1;
    for (let k = 0; k < n; k++) v[k] = v[k]! / norm;
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = rows < cols ? q[r]![c]! : q[c]![r]!;
  return out;
}
