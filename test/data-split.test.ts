import { describe, expect, it } from 'vitest';
import { assertDataset, pick, subset, type Dataset } from '../src/data/dataset.js';
import { splitDataset } from '../src/data/split.js';

/** Image i is 4 bytes all equal to i, label i % 10. */
function numbered(count: number): Dataset {
  const images = new Uint8Array(count * 4);
  for (let i = 0; i < count; i++) images.fill(i, i * 4, i * 4 + 4);
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count, rows: 2, cols: 2 };
}
const ids = (d: Dataset) => Array.from({ length: d.count }, (_, i) => d.images[i * 4]!);

describe('subset', () => {
  it('is a view of images start..end-1', () => {
    const data = numbered(10);
    const part = subset(data, 3, 7);
    expect([part.count, part.rows, part.cols]).toEqual([4, 2, 2]);
    expect(ids(part)).toEqual([3, 4, 5, 6]);
    expect([...part.labels]).toEqual([3, 4, 5, 6]);
    expect(part.images.buffer).toBe(data.images.buffer);
    assertDataset(part);
    expect(subset(data, 10, 10).count).toBe(0);
  });

  it('rejects ranges outside the dataset', () => {
    const data = numbered(10);
    for (const [start, end] of [[-1, 2], [3, 2], [0, 11], [0.5, 2]]) {
      expect(() => subset(data, start!, end!)).toThrow(/subset needs integers 0 ≤ start ≤ end ≤ 10/);
    }
  });
});

describe('pick', () => {
  it('copies the given images in order', () => {
    const data = numbered(10);
    const picked = pick(data, [9, 0, 9]);
    expect(ids(picked)).toEqual([9, 0, 9]);
    expect(picked.images.buffer).not.toBe(data.images.buffer);
    expect(() => pick(data, [10])).toThrow(/index 10/);
  });
});

describe('splitDataset', () => {
  it('without a seed, takes the last images as validation, as views', () => {
    const data = numbered(10);
    const { train, validation } = splitDataset(data, 0.2);
    expect(ids(train)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(ids(validation)).toEqual([8, 9]);
    expect(validation.images.buffer).toBe(data.images.buffer);
    expect(ids(splitDataset(data, 3).validation)).toEqual([7, 8, 9]);
    expect(splitDataset(data, 0).validation.count).toBe(0);
    expect(splitDataset(data, 10).train.count).toBe(0);
    expect(splitDataset(data, 1).validation.count).toBe(1);
  });

  it('rounds a fraction to the nearest count', () => {
    expect(splitDataset(numbered(7), 0.5).validation.count).toBe(4);
    expect(splitDataset(numbered(1000), 1 / 6).validation.count).toBe(167);
  });

  it('with a seed, picks a reproducible random validation set, as ordered copies', () => {
    const data = numbered(100);
    const { train, validation } = splitDataset(data, 0.25, 7);
    expect([train.count, validation.count]).toEqual([75, 25]);
    const all = [...ids(train), ...ids(validation)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(ids(validation)).toEqual([...ids(validation)].sort((a, b) => a - b));
    expect(ids(validation)).not.toEqual(Array.from({ length: 25 }, (_, i) => 75 + i));
    expect(validation.labels.every((label, i) => label === ids(validation)[i]! % 10)).toBe(true);
    expect(validation.images.buffer).not.toBe(data.images.buffer);
    expect(ids(splitDataset(data, 0.25, 7).validation)).toEqual(ids(validation));
    expect(ids(splitDataset(data, 0.25, 8).validation)).not.toEqual(ids(validation));
    assertDataset(train);
    assertDataset(validation);
  });

  it('rejects sizes that are neither a fraction nor a count', () => {
    for (const size of [-1, 1.5, 11, Number.NaN, -0.5]) {
      expect(() => splitDataset(numbered(10), size)).toThrow(/validation size must be a fraction in \(0, 1\) or an integer count in \[0, 10\]/);
    }
  });
});

describe('assertDataset', () => {
  it('names the field whose size disagrees', () => {
    const data = numbered(3);
    expect(() => assertDataset({ ...data, count: 4 }, 'train')).toThrow(/train.images has 12 bytes, count × rows × cols = 4 × 2 × 2 = 16/);
    expect(() => assertDataset({ ...data, labels: new Uint8Array(2) })).toThrow(/dataset.labels has 2 entries, count is 3/);
    expect(() => assertDataset({ ...data, rows: -2 })).toThrow(/dataset.rows must be a non-negative integer/);
    expect(() => assertDataset({ ...data, images: new Float32Array(12) as unknown as Uint8Array })).toThrow(TypeError);
  });
});
