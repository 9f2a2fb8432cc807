import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchRanges, gatherBatch, shuffledIndices } from '../src/data/batches.js';
import type { Dataset } from '../src/data/dataset.js';
import { Random } from '../src/random.js';

/** Image i is filled with the byte i % 251 plus its pixel position, so any misplaced byte shows. */
function syntheticDataset(count: number, rows = 3, cols = 2): Dataset {
  const size = rows * cols;
  const images = new Uint8Array(count * size);
  for (let i = 0; i < count; i++) for (let k = 0; k < size; k++) images[i * size + k] = (i % 251 + k) & 0xff;
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return { images, labels, count, rows, cols };
}

const isPermutation = (indices: Uint32Array) => [...indices].sort((a, b) => a - b).every((v, i) => v === i);

describe('shuffledIndices', () => {
  it('is a permutation of 0..count-1, reproducible from the seed', () => {
    fc.assert(fc.property(fc.nat({ max: 500 }), fc.integer(), (count, seed) => {
      const a = shuffledIndices(count, new Random(seed));
      expect(a.length).toBe(count);
      expect(isPermutation(a)).toBe(true);
      expect([...shuffledIndices(count, new Random(seed))]).toEqual([...a]);
    }), { numRuns: 300 });
  });

  it('differs between seeds and between epochs of one generator', () => {
    const rng = new Random(1);
    const first = [...shuffledIndices(1000, rng)];
    const second = [...shuffledIndices(1000, rng)];
    expect(second).not.toEqual(first);
    expect([...shuffledIndices(1000, new Random(2))]).not.toEqual(first);
  });

  it('refills a given array in place, the same as allocating', () => {
    const out = new Uint32Array(64);
    const rngA = new Random(9);
    const rngB = new Random(9);
    for (let epoch = 0; epoch < 3; epoch++) {
      expect(shuffledIndices(64, rngA, out)).toBe(out);
      expect([...out]).toEqual([...shuffledIndices(64, rngB)]);
    }
    expect(() => shuffledIndices(10, rngA, new Uint32Array(9))).toThrow(RangeError);
    expect(() => shuffledIndices(-1, rngA)).toThrow(RangeError);
  });

  it('draws every permutation of 4 with equal probability (chi-squared)', () => {
    // 24 permutations, 48000 draws: expected 2000 each. The 0.1% critical value for 23 degrees of freedom is 49.7.
    const rng = new Random(12345);
    const counts = new Map<string, number>();
    for (let t = 0; t < 48000; t++) {
      const key = shuffledIndices(4, rng).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    const chi2 = [...counts.values()].reduce((sum, c) => sum + (c - 2000) ** 2 / 2000, 0);
    expect(chi2).toBeLessThan(49.7);
  });
});

describe('batchRanges', () => {
  it('covers 0..count-1 in order, keeping or dropping the last partial batch', () => {
    fc.assert(fc.property(fc.nat({ max: 1000 }), fc.integer({ min: 1, max: 300 }), (count, batchSize) => {
      const kept = batchRanges(count, batchSize);
      expect(kept.length).toBe(Math.ceil(count / batchSize));
      let next = 0;
      for (const { start, end } of kept) {
        expect(start).toBe(next);
        expect(end - start).toBe(Math.min(batchSize, count - start));
        next = end;
      }
      expect(next).toBe(count);
      const dropped = batchRanges(count, batchSize, true);
      expect(dropped.length).toBe(Math.floor(count / batchSize));
      expect(dropped.every(({ start, end }) => end - start === batchSize)).toBe(true);
      expect(dropped).toEqual(kept.slice(0, dropped.length));
    }), { numRuns: 300 });
  });

  it('rejects a bad batch size or count', () => {
    expect(() => batchRanges(10, 0)).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => batchRanges(10, 2.5)).toThrow(RangeError);
    expect(() => batchRanges(-1, 2)).toThrow(/count/);
  });
});

describe('gatherBatch', () => {
  it('copies the rows of the given indices into the buffers', () => {
    const data = syntheticDataset(20);
    const imagesOut = new Uint8Array(4 * 6).fill(255);
    const labelsOut = new Uint8Array(4).fill(255);
    const indices = Uint32Array.of(0, 17, 3, 12, 9);
    expect(gatherBatch(data, indices, 1, 4, imagesOut, labelsOut)).toBe(3);
    expect([...labelsOut]).toEqual([7, 3, 2, 255]);
    expect([...imagesOut.subarray(0, 6)]).toEqual([17, 18, 19, 20, 21, 22]);
    expect([...imagesOut.subarray(6, 12)]).toEqual([3, 4, 5, 6, 7, 8]);
    expect([...imagesOut.subarray(12, 18)]).toEqual([12, 13, 14, 15, 16, 17]);
    expect([...imagesOut.subarray(18)]).toEqual([255, 255, 255, 255, 255, 255]);
  });

  it('over an epoch, gives every image exactly once, each equal to its source row', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 64 }), fc.boolean(), fc.integer(), (count, batchSize, dropLast, seed) => {
      const data = syntheticDataset(count, 2, 3);
      const size = 6;
      const order = shuffledIndices(count, new Random(seed));
      const imagesOut = new Uint8Array(batchSize * size);
      const labelsOut = new Uint8Array(batchSize);
      const seen = new Uint8Array(count);
      for (const { start, end } of batchRanges(count, batchSize, dropLast)) {
        const n = gatherBatch(data, order, start, end, imagesOut, labelsOut);
        for (let row = 0; row < n; row++) {
          const source = order[start + row]!;
          seen[source]!++;
          expect(labelsOut[row]).toBe(data.labels[source]);
          expect([...imagesOut.subarray(row * size, (row + 1) * size)]).toEqual([...data.images.subarray(source * size, (source + 1) * size)]);
        }
      }
      const used = dropLast ? count - (count % batchSize) : count;
      expect(seen.reduce((a, b) => a + b, 0)).toBe(used);
      expect(seen.every((s) => s <= 1)).toBe(true);
      if (!dropLast) expect(seen.every((s) => s === 1)).toBe(true);
    }), { numRuns: 200 });
  });

  it('rejects buffers too small, bad ranges and indices outside the dataset', () => {
    const data = syntheticDataset(5);
    const indices = [0, 1, 2, 3, 4];
    expect(() => gatherBatch(data, indices, 0, 3, new Uint8Array(17), new Uint8Array(3))).toThrow(/imagesOut holds 17 bytes, the batch needs 18/);
    expect(() => gatherBatch(data, indices, 0, 3, new Uint8Array(18), new Uint8Array(2))).toThrow(/labelsOut holds 2 labels, the batch needs 3/);
    expect(() => gatherBatch(data, indices, 3, 2, new Uint8Array(18), new Uint8Array(3))).toThrow(RangeError);
    expect(() => gatherBatch(data, indices, 0, 6, new Uint8Array(36), new Uint8Array(6))).toThrow(RangeError);
    expect(() => gatherBatch(data, [0, 5], 0, 2, new Uint8Array(12), new Uint8Array(2))).toThrow(/index 5 at position 1 is outside 0-4/);
    expect(() => gatherBatch(data, [-1], 0, 1, new Uint8Array(6), new Uint8Array(1))).toThrow(/index -1/);
  });
});
