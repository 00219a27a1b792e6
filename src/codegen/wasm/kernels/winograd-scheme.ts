/**
 * Winograd's minimal filtering F(m x m, 3 x 3) (Lavin and Gray, 2015), built by Toom-Cook from
 * its interpolation points: an m x m tile of a 3x3 correlation is Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A,
 * where d is the tile's α x α patch (α = m + 2). Each tile and channel pair takes α² multiplies
 * in place of 9m² — 16 for 4 outputs (F(2x2), 2.25x fewer), 36 for 16 (F(4x4), 4x fewer) — and
 * the transforms are fixed linear maps, applied here as M X Mᵀ over any kind of value: JS
 * numbers rounded to f32 (a constant filter's transform at compile time) or wasm locals.
 *
 * The two gradients reuse the same matrices: by the filter, Gᵀ[(Bᵀ d B) ⊙ (A dy Aᵀ)]G; by the
 * patch, B[(G g Gᵀ) ⊙ (A dy Aᵀ)]Bᵀ.
 */

/** Add, subtract, negate and scale by a constant over some kind of value. */
export interface Arithmetic<T> {
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  neg(a: T): T;
  /** a times the constant k, rounded to f32. */
  scale(a: T, k: number): T;
  /**
   * The values of a transform's first pass, put where its second pass reads them: wasm stores
   * them to memory so that V8, which keeps a block's loads before its arithmetic, holds one
   * column at a time in registers instead of spilling the whole first pass.
   */
  settle?(values: T[]): T[];
  /** The values read once each, before the arithmetic that uses them several times (wasm: into locals). */
  hold?(values: T[]): T[];
}

/** Receives each result of a transform as soon as it is computed (so wasm stores it before the next row's loads). */
export type Sink<T> = (value: T, index: number) => void;

/** f32 arithmetic on JS numbers: each step rounded as wasm rounds it. */
export const F32_ARITHMETIC: Arithmetic<number> = {
  add: (a, b) => Math.fround(a + b),
  sub: (a, b) => Math.fround(a - b),
  neg: (a) => -a,
  scale: (a, k) => Math.fround(a * Math.fround(k)),
};

type Matrix = readonly (readonly number[])[];

export interface WinogradScheme {
  /** Outputs per tile side, and the patch side α = m + 2. */
  readonly m: number;
  readonly alpha: number;
  /** α²: the GEMMs per convolution, one per position of the transformed tile. */
  readonly positions: number;
  /** U = G g Gᵀ of a 3x3 filter g (row-major); α² values, position ξ = row · α + column. */
  filterTile<T>(g: readonly T[], o: Arithmetic<T>, sink?: Sink<T>): T[];
  /** V = Bᵀ d B of an α x α patch d. */
  inputTile<T>(d: readonly T[], o: Arithmetic<T>, sink?: Sink<T>): T[];
  /** Y = Aᵀ M A: the tile's m x m outputs from its α² sums. */
  outputTile<T>(sums: readonly T[], o: Arithmetic<T>, sink?: Sink<T>): T[];
  /** A dy Aᵀ of an m x m block of the output's gradient. */
  gradientTile<T>(dy: readonly T[], o: Arithmetic<T>, sink?: Sink<T>): T[];
  /** Gᵀ P G: the 3x3 filter gradient from the α² sums P of (Bᵀ d B) ⊙ (A dy Aᵀ). */
  filterGradientTile<T>(p: readonly T[], o: Arithmetic<T>, sink?: Sink<T>): T[];
  /** B S Bᵀ: the patch's gradient from the α² sums S of (G g Gᵀ) ⊙ (A dy Aᵀ). */
  patchGradientTile<T>(s: readonly T[], o: Arithmetic<T>, sink?: Sink<T>): T[];
}

/**
 * Σ k_j x_j for constant k: terms with equal |k| summed first and scaled once (so ½(a + b + c)
 * is two adds and one multiply), zero terms skipped.
 */
function combine<T>(k: readonly number[], x: readonly T[], o: Arithmetic<T>): T {
  const groups = new Map<number, { plus: T[]; minus: T[] }>();
  k.forEach((kj, j) => {
    if (kj === 0) return;
    const group = groups.get(Math.abs(kj)) ?? { plus: [], minus: [] };
    (kj > 0 ? group.plus : group.minus).push(x[j]!);
    groups.set(Math.abs(kj), group);
  });
  // Each group as (value, negated): a sum of its positive terms less its negative ones.
  const signed = [...groups].map(([size, { plus, minus }]): [T, boolean] => {
    const negated = plus.length === 0;
    let value = (negated ? minus[0] : plus[0]) as T;
    for (const t of negated ? minus.slice(1) : plus.slice(1)) value = o.add(value, t);
    if (!negated) for (const t of minus) value = o.sub(value, t);
    return [size === 1 ? value : o.scale(value, size), negated];
  });
  if (signed.length === 0) throw new Error('a Winograd transform row of zeros');
  const first = signed.findIndex(([, negated]) => !negated);
  if (first < 0) return o.neg(signed.slice(1).reduce((sum, [v]) => o.add(sum, v), signed[0]![0]));
  return signed.reduce((sum, [v, negated], i) => (i === first ? sum : negated ? o.sub(sum, v) : o.add(sum, v)), signed[first]![0]);
}

/** x86-64's vector registers: a first pass with more values than this is settled (Arithmetic.settle). */
const VECTOR_REGISTERS = 16;

/**
 * M X Mᵀ for M [r, k] and X [k, k] row-major: M applied to each column of X (each column's
 * results settled, if they would not fit in registers, before the next column's values are
 * read), then to each row of that, each output row handed to `sink` as it is done.
 */
function sandwich<T>(mat: Matrix, x: readonly T[], o: Arithmetic<T>, sink?: Sink<T>): T[] {
  const k = mat[0]!.length;
  const settle = mat.length * k > VECTOR_REGISTERS ? o.settle : undefined;
  const apply = (v: T[]) => {
    const held = o.hold ? o.hold(v) : v;
    return mat.map((row) => combine(row, held, o));
  };
  const cols = Array.from({ length: k }, (_, j) => {
    const col = apply(Array.from({ length: k }, (_, i) => x[i * k + j]!));
    return settle ? settle(col) : col;
  });
  return mat.flatMap((_, i) => {
    const row = apply(cols.map((col) => col[i]!));
    row.forEach((value, j) => sink?.(value, i * mat.length + j));
    return row;
  });
}

const transpose = (mat: Matrix): number[][] => mat[0]!.map((_, j) => mat.map((row) => row[j]!));

/** The coefficients, lowest power first, of Π (x - p) over `roots`. */
function polynomial(roots: readonly number[]): number[] {
  return roots.reduce<number[]>((c, p) => {
    const next = new Array<number>(c.length + 1).fill(0);
    c.forEach((v, i) => {
      next[i + 1] = next[i + 1]! + v;
      next[i] = next[i]! - p * v;
    });
    return next;
  }, [1]);
}

/**
 * F(m x m, 3 x 3) from its m + 1 finite points (the last point is ∞): Aᵀ's columns are the
 * points' powers, G's rows the filter's values there divided by Π (p_j - p_l), and Bᵀ's rows the
 * coefficients of L(x) / (x - p_j), L = Π (x - p_l), then of L itself.
 */
function scheme(points: readonly number[]): WinogradScheme {
  const m = points.length - 1;
  const alpha = m + 2;
  const bT = [...points.map((_, j) => [...polynomial(points.filter((_, l) => l !== j)), 0]), polynomial(points)];
  const scaleOf = (p: number, j: number) => points.reduce((n, q, l) => (l === j ? n : n * (p - q)), 1);
  const g = [...points.map((p, j) => [0, 1, 2].map((power) => p ** power / scaleOf(p, j))), [0, 0, 1]];
  const aT = Array.from({ length: m }, (_, i) => [...points.map((p) => p ** i), i === m - 1 ? 1 : 0]);
  const [b, gT, a] = [transpose(bT), transpose(g), transpose(aT)];
  return {
    m,
    alpha,
    positions: alpha * alpha,
    filterTile: (x, o, sink) => sandwich(g, x, o, sink),
    inputTile: (x, o, sink) => sandwich(bT, x, o, sink),
    outputTile: (x, o, sink) => sandwich(aT, x, o, sink),
    gradientTile: (x, o, sink) => sandwich(a, x, o, sink),
    filterGradientTile: (x, o, sink) => sandwich(gT, x, o, sink),
    patchGradientTile: (x, o, sink) => sandwich(b, x, o, sink),
  };
}

/** F(2x2, 3x3): points 0, ±1; transforms of adds and halves, exact but for the halving's rounding. */
export const F2X2 = scheme([0, 1, -1]);
/** F(4x4, 3x3): points 0, ±1, ±2, the usual choice; its transforms scale by up to 8 and 1/24, so it rounds more (see chooseScheme). */
export const F4X4 = scheme([0, 1, -1, 2, -2]);
