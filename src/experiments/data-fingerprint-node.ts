// Node-only: what identifies a run's images in its configuration (so its id), wherever they were read from.
import { createHash } from 'node:crypto';
import type { Dataset } from '../data/dataset.js';

/** sha256 over the shapes, images and labels of `datasets`, in order, in hex. */
export function dataFingerprint(...datasets: Dataset[]): string {
  const hash = createHash('sha256');
  for (const { count, rows, cols, images, labels } of datasets) {
    hash.update(`${count}×${rows}×${cols};`).update(images).update(labels);
  }
  return hash.digest('hex');
}
