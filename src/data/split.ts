import { Random } from '../random.js';
import { shuffledIndices } from './batches.js';
import { pick, subset, type Dataset } from './dataset.js';

/**
 * Splits off a validation set: `size` is a fraction in (0, 1) of `dataset.count` (rounded) or an
 * integer count in [0, count]. Without a seed the validation set is the last `size` images, and
 * both parts are views sharing `dataset`'s memory (as Keras' `validation_split`); with a seed the
 * validation images are a random choice made by the seed, and both parts are copies keeping the
 * original order.
 */
export function splitDataset(dataset: Dataset, size: number, seed?: number): { train: Dataset; validation: Dataset } {
  const count = dataset.count;
  let n: number;
  if (Number.isInteger(size) && size >= 0 && size <= count) n = size;
  else if (size > 0 && size < 1) n = Math.round(size * count);
  else throw new RangeError(`validation size must be a fraction in (0, 1) or an integer count in [0, ${count}], got ${size}`);

  const cut = count - n;
  if (seed === undefined) return { train: subset(dataset, 0, cut), validation: subset(dataset, cut, count) };
  const order = shuffledIndices(count, new Random(seed));
  return { train: pick(dataset, order.subarray(0, cut).sort()), validation: pick(dataset, order.subarray(cut).sort()) };
}
