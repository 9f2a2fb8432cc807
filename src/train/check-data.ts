import { checkThat, satisfies } from '../check.js';
import { assertDataset, type Dataset } from '../data/dataset.js';
import type { Sequential } from '../nn/sequential.js';

/** Throws a RangeError unless `batchSize` is an integer from 1 to the model's maxBatch. */
export function checkBatchSize(model: Sequential, batchSize: number): void {
  const fits = satisfies(batchSize, { integer: 1 }) && batchSize <= model.maxBatch;
  checkThat(fits, 'batchSize', `an integer in [1, maxBatch = ${model.maxBatch}]`, batchSize);
}

/** Throws a TypeError/RangeError naming `name` unless `data` is a dataset `model` can take. */
export function checkData(model: Sequential, data: Dataset, name: string): void {
  if (data === null || typeof data !== 'object') {
    throw new TypeError(`${name} must be a dataset { images, labels, count, rows, cols }, got ${data}`);
  }
  assertDataset(data, name);
  if (data.rows * data.cols !== model.inputSize) {
    throw new RangeError(`${name} has ${data.rows} × ${data.cols} = ${data.rows * data.cols} values per image, `
      + `the model takes ${model.inputSize}`);
  }
  const labels = data.labels;
  for (let i = 0; i < data.count; i++) {
    if (labels[i]! >= model.outputSize) {
      throw new RangeError(`${name}.labels[${i}] is ${labels[i]}, but the model has ${model.outputSize} outputs`);
    }
  }
}
