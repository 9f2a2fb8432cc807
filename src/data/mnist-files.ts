import { datasetFromIdx, subset, type Dataset } from './dataset.js';
import type { IdxTensor } from './parse-idx.js';

/** The four files of MNIST and of Fashion-MNIST, by their standard names. */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export type MnistFile = keyof typeof MNIST_FILES;

export type MnistKind = 'mnist' | 'fashion';

export interface MnistOptions {
  /** Keep only the first `limit` images (and labels) of each of train and test. */
  limit?: number;
  /** Which dataset the files hold; only changes where the defaults look and what errors advise. */
  kind?: MnistKind;
}

export interface Mnist {
  train: Dataset;
  test: Dataset;
}

/** The names a file may go by: plain, gzipped, and with the dotted `train-images.idx3-ubyte` spelling. */
export function fileNameCandidates(file: MnistFile): string[] {
  const plain = MNIST_FILES[file];
  const dotted = plain.replace(/-(idx\d-ubyte)$/, '.$1');
  return [plain, `${plain}.gz`, dotted, `${dotted}.gz`];
}

/** Where to download the files (each also as .gz). */
export const MNIST_SOURCES: Record<MnistKind, string> = {
  mnist: 'https://ossci-datasets.s3.amazonaws.com/mnist/',
  fashion: 'https://github.com/zalandoresearch/fashion-mnist (folder data/fashion)',
};

export function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  }
}

/** Assembles train and test from the four parsed files (`names` are where each came from, for errors). */
export function mnistFromIdx(
  tensors: Record<MnistFile, IdxTensor>,
  names: Record<MnistFile, string>,
  limit?: number,
): Mnist {
  const train = datasetFromIdx(tensors.trainImages, tensors.trainLabels, { images: names.trainImages, labels: names.trainLabels });
  const test = datasetFromIdx(tensors.testImages, tensors.testLabels, { images: names.testImages, labels: names.testLabels });
  return { train: limited(train, limit), test: limited(test, limit) };
}

/** The first `limit` images, copied so the rest of the file's buffer can be freed. */
function limited(dataset: Dataset, limit: number | undefined): Dataset {
  if (limit === undefined || limit >= dataset.count) return dataset;
  const part = subset(dataset, 0, limit);
  return { ...part, images: part.images.slice(), labels: part.labels.slice() };
}
