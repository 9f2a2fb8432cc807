// Parsers of option values for commander: each returns the value or throws a one-line reason.
import { statSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';

/** Number(text), except that an empty or blank text is NaN rather than 0. */
function number(text: string): number {
  return text.trim() === '' ? NaN : Number(text);
}

export function positiveNumber(text: string): number {
  const value = number(text);
  if (!(Number.isFinite(value) && value > 0)) throw new InvalidArgumentError('It must be a number > 0.');
  return value;
}

export function positiveInteger(text: string): number {
  const value = number(text);
  if (!(Number.isSafeInteger(value) && value >= 1)) throw new InvalidArgumentError('It must be a whole number ≥ 1.');
  return value;
}

export function integer(text: string): number {
  const value = number(text);
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError('It must be a whole number.');
  return value;
}

export function nonNegativeInteger(text: string): number {
  const value = number(text);
  if (!(Number.isSafeInteger(value) && value >= 0)) throw new InvalidArgumentError('It must be a whole number ≥ 0.');
  return value;
}

export function momentum(text: string): number {
  const value = number(text);
  if (!(value >= 0 && value < 1)) throw new InvalidArgumentError('A momentum must be a number in [0, 1).');
  return value;
}

export function fraction(text: string): number {
  const value = number(text);
  if (!(value > 0 && value <= 1)) throw new InvalidArgumentError('It must be a number in (0, 1], e.g. 0.97 for 97%.');
  return value;
}

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
