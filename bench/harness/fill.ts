import { Random } from '../../src/random.js';

/** Uniform values in [-1, 1), the same for the same seed. */
export function randomFloats(length: number, seed: number): Float32Array {
  const rng = new Random(seed);
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = 2 * rng.next() - 1;
  return values;
}
