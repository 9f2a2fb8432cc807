import type { Dataset } from '../data/dataset.js';
import type { Sequential } from '../nn/sequential.js';
import { checkBatchSize, checkData } from './check-data.js';

export interface EvaluateOptions {
  /** Rows per forward pass, at most the model's maxBatch (default maxBatch); does not change the result's meaning. */
  batchSize?: number;
}

/** Mean loss and accuracy of `model` over every example of `data`, in eval mode (the model's mode is restored). */
export function evaluate(model: Sequential, data: Dataset, options: EvaluateOptions = {}): { loss: number; accuracy: number } {
  const { batchSize = model.maxBatch } = options;
  checkData(model, data, 'data');
  if (data.count === 0) throw new RangeError('data is empty (count 0)');
  checkBatchSize(model, batchSize);
  const size = model.inputSize;
  const wasTraining = model.training;
  model.eval();
  let lossSum = 0;
  let correct = 0;
  try {
    for (let start = 0; start < data.count; start += batchSize) {
      const n = Math.min(batchSize, data.count - start);
      model.loadBatch(data.images.subarray(start * size, (start + n) * size), data.labels.subarray(start, start + n), n);
      lossSum += model.lossOnly(n) * n;
      correct += model.correctCount(n);
    }
  } finally {
    model.train(wasTraining);
  }
  return { loss: lossSum / data.count, accuracy: correct / data.count };
}
