import { IdxFormatError } from './idx-format-error.js';
import type { IdxTensor } from './parse-idx.js';

/**
 * Labelled images: image `i` is the `rows × cols` bytes at `images[i * rows * cols]`, its class is
 * `labels[i]`. Any object of this shape is a dataset; the loaders return plain ones.
 */
export interface Dataset {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export const NUM_CLASSES = 10;

/** Throws a RangeError naming `name` unless the sizes of `dataset` agree with each other. */
export function assertDataset(dataset: Dataset, name = 'dataset'): void {
  const { images, labels, count, rows, cols } = dataset;
  for (const [field, value] of [['count', count], ['rows', rows], ['cols', cols]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name}.${field} must be a non-negative integer, got ${value}`);
  }
  if (!(images instanceof Uint8Array)) throw new TypeError(`${name}.images must be a Uint8Array`);
  if (!(labels instanceof Uint8Array)) throw new TypeError(`${name}.labels must be a Uint8Array`);
  if (images.length !== count * rows * cols) {
    throw new RangeError(`${name}.images has ${images.length} bytes, count × rows × cols = ${count} × ${rows} × ${cols} = ${count * rows * cols}`);
  }
  if (labels.length !== count) throw new RangeError(`${name}.labels has ${labels.length} entries, count is ${count}`);
}

/**
 * Builds a dataset from a parsed images file (uint8, count × rows × cols) and labels file (uint8,
 * count, each 0-9). The arrays are the tensors' own (no copy). Errors name `files.images` or `files.labels`.
 */
export function datasetFromIdx(
  images: IdxTensor,
  labels: IdxTensor,
  files: { images: string; labels: string } = { images: 'images', labels: 'labels' },
): Dataset {
  if (images.type !== 'uint8') throw new IdxFormatError(`images must be uint8 (type code 0x08), got ${images.type} (at byte 2)`, 2, files.images);
  if (images.dims.length !== 3) {
    throw new IdxFormatError(`images must have 3 dimensions (count, rows, cols), got ${images.dims.length} (at byte 3)`, 3, files.images);
  }
  if (labels.type !== 'uint8') throw new IdxFormatError(`labels must be uint8 (type code 0x08), got ${labels.type} (at byte 2)`, 2, files.labels);
  if (labels.dims.length !== 1) {
    throw new IdxFormatError(`labels must have 1 dimension, got ${labels.dims.length} (at byte 3)`, 3, files.labels);
  }
  const [count, rows, cols] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new IdxFormatError(`${labels.dims[0]} labels for ${count} images in ${files.images} (at byte 4)`, 4, files.labels);
  }
  const labelData = labels.data;
  for (let i = 0; i < count; i++) {
    if (labelData[i]! >= NUM_CLASSES) {
      throw new IdxFormatError(`label ${i} is ${labelData[i]}, outside 0-${NUM_CLASSES - 1} (at byte ${8 + i})`, 8 + i, files.labels);
    }
  }
  return { images: images.data, labels: labelData, count, rows, cols };
}

/** Images `start` to `end - 1` as a dataset whose arrays are views sharing `dataset`'s memory. */
export function subset(dataset: Dataset, start: number, end: number): Dataset {
  const { count, rows, cols } = dataset;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > count) {
    throw new RangeError(`subset needs integers 0 ≤ start ≤ end ≤ ${count}, got start ${start}, end ${end}`);
  }
  const size = rows * cols;
  return {
    images: dataset.images.subarray(start * size, end * size),
    labels: dataset.labels.subarray(start, end),
    count: end - start,
    rows,
    cols,
  };
}

/** A dataset of copies of the images at `indices`, in that order, sharing no memory with `dataset`. */
export function pick(dataset: Dataset, indices: ArrayLike<number>): Dataset {
  const { rows, cols } = dataset;
  const size = rows * cols;
  const count = indices.length;
  const images = new Uint8Array(count * size);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const from = indices[i]!;
    if (!Number.isInteger(from) || from < 0 || from >= dataset.count) {
      throw new RangeError(`index ${from} at position ${i} is outside 0-${dataset.count - 1}`);
    }
    images.set(dataset.images.subarray(from * size, (from + 1) * size), i * size);
    labels[i] = dataset.labels[from]!;
  }
  return { images, labels, count, rows, cols };
}
