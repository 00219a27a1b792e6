/**
 * The fuzzers' seeded PRNG (mulberry32): one stream per (seed, target, input index), so any input
 * a run reports is made again from those three numbers alone.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The stream of input `index` of `target` in a run seeded `seed`. */
  static forInput(seed: number, target: string, index: number): Rng {
    let h = 2166136261 ^ seed;
    for (const c of `${target}#${index}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
    return new Rng(h);
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick of an empty list');
    return items[this.int(items.length)]!;
  }
}
