// Parsers of option values for commander: each returns the value or throws a one-line reason.
import { statSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { type Rule, satisfies } from '../check.js';

/** A parser of numbers that satisfy `rule` (src/check.ts), giving `reason` for any other text. */
function numberParser(rule: Rule, reason: string): (text: string) => number {
  return (text) => {
    const value = text.trim() === '' ? NaN : Number(text); // Number('') is 0
    if (!satisfies(value, rule)) throw new InvalidArgumentError(reason);
    return value;
  };
}

export const positiveNumber = numberParser({ number: '> 0' }, 'It must be a number > 0.');
export const positiveInteger = numberParser({ integer: 1 }, 'It must be a whole number ≥ 1.');
export const integer = numberParser({ integer: Number.MIN_SAFE_INTEGER }, 'It must be a whole number.');
export const momentum = numberParser({ number: '[0, 1)' }, 'A momentum must be a number in [0, 1).');
export const fraction = numberParser({ number: '(0, 1]' }, 'It must be a number in (0, 1], e.g. 0.97 for 97%.');

/** "0.5,0.9,0.99" → [0.5, 0.9, 0.99], each checked by `item`; no empty items, no repeats. */
export function listOf(item: (text: string) => number): (text: string) => number[] {
  return (text) => {
    const values = text.split(',').map((part) => item(part));
    if (new Set(values).size !== values.length) throw new InvalidArgumentError('The list has a value twice.');
    return values;
  };
}

/** "784,256,128,10" → layer widths (repeats allowed): from an MNIST image's pixels to its classes. */
export function widths(text: string): number[] {
  const values = text.split(',').map(positiveInteger);
  if (values.length < 2 || values[0] !== 784 || values.at(-1) !== 10) {
    throw new InvalidArgumentError('It must go from 784 (an image\'s 28 × 28 pixels) to 10 (the digits), e.g. 784,128,10.');
  }
  return values;
}

/** The path of a file that exists. */
export function existingFile(text: string): string {
  const stat = statSync(text, { throwIfNoEntry: false });
  if (!stat) throw new InvalidArgumentError('There is no such file.');
  if (!stat.isFile()) throw new InvalidArgumentError('It is not a file.');
  return text;
}
