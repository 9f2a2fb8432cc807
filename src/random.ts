import { show } from './check.js';

/** A generator's state (what `Random#state` holds, a checkpoint saves, `setRandomState` takes): an integer in [0, 2^32). */
export function checkState(name: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 0xffffffff) {
    throw new RangeError(`${name} must be an integer in [0, 2^32), got ${show(value)}`);
  }
  return value as number;
}

/**
 * The one seeded generator heavyball uses for initialisation, shuffling and dropout: Mulberry32
 * (a 32-bit state, period 2^32, passes PractRand to 32 GiB), whose outputs are exact in every JS
 * engine, so the same seed gives the same numbers in Node and in every browser.
 */
export class Random {
  #state: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    this.#state = seed >>> 0;
  }

  /** The generator's position: its whole 32-bit state (e.g. for a checkpoint); setting it makes the same numbers follow again. */
  get state(): number {
    return this.#state;
  }

  set state(value: number) {
    this.#state = checkState('state', value);
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n) without modulo bias. */
  int(n: number): number {
    if (!(n >= 1 && n <= 4294967296)) throw new RangeError(`int(n) needs 1 ≤ n ≤ 2^32, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }

  /** Standard normal by Box-Muller (one value per call; the pair's second value is discarded). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** An independent generator derived from this one (for workers, layers, epochs). */
  fork(): Random {
    return new Random(this.nextU32());
  }
}
