import { subset, type Dataset } from '../data/dataset.js';
import { splitDataset } from '../data/split.js';
import type { RunData } from './run-setting.js';
import type { DataSpec } from './types.js';

/**
 * A run's datasets from the pool of training images and the test images, as `spec` says: the validation
 * images drawn from the pool by `splitSeed`, and the first `trainSize` of the rest to train on.
 */
export function runData(pool: Dataset, test: Dataset, spec: Pick<DataSpec, 'validation' | 'splitSeed' | 'trainSize'>): RunData {
  const rest = pool.count - spec.validation;
  if (!(Number.isSafeInteger(spec.validation) && spec.validation >= 1 && rest >= 1)) {
    throw new RangeError(`validation must be a whole number of images in [1, ${pool.count - 1}] (the pool has ${pool.count}), got ${spec.validation}`);
  }
  if (!(Number.isSafeInteger(spec.trainSize) && spec.trainSize >= 1 && spec.trainSize <= rest)) {
    throw new RangeError(`trainSize must be a whole number in [1, ${rest}] (${pool.count} images minus ${spec.validation} for validation), got ${spec.trainSize}`);
  }
  const { train, validation } = splitDataset(pool, spec.validation, spec.splitSeed);
  return { train: subset(train, 0, spec.trainSize), validation, test };
}
