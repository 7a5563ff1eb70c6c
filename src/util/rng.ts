/**
 * Seeded pseudo-random numbers (mulberry32 for uniforms, Box–Muller for normals), so that every
 * initialisation, shuffle and sample in strand is reproducible from a seed.
 */
export class Rng {
  private state: number;
  private spare: number | null = null;

  /** @param seed any integer; equal seeds give equal streams */
  constructor(seed: number) {
    this.state = ((seed >>> 0) ^ 0x9e3779b9) >>> 0;
  }

  /** The generator's position, to save and later {@link restore} it. */
  snapshot(): [number, number | null] {
    return [this.state, this.spare];
  }

  /** Returns to a position from {@link snapshot}. */
  restore(snap: readonly [number, number | null]): void {
    this.state = snap[0] >>> 0;
    this.spare = snap[1];
  }

  /** A uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** A standard normal sample. */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

let globalSeeds = new Rng(0x5eed);

/**
 * Seeds the generator that supplies default seeds to objects created without a `seed` option
 * (like `torch.manual_seed`): after `manualSeed(n)`, the same construction order gives the same
 * weights.
 */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed)) throw new TypeError(`manualSeed: seed must be an integer, received ${seed}`);
  globalSeeds = new Rng(seed);
}

/** The next default seed from the global generator. */
export function nextSeed(): number {
  return Math.floor(globalSeeds.next() * 2 ** 31);
}
