/**
 * Option checks shared by the optimizers and schedules: a wrong type is a TypeError, a value out of
 * range a RangeError naming the option and its allowed range.
 */
const intervals = {
  '≥ 0': (x: number) => x >= 0 && x < Infinity,
  '> 0': (x: number) => x > 0 && x < Infinity,
  '[0, 1)': (x: number) => x >= 0 && x < 1,
  '[0, 1]': (x: number) => x >= 0 && x <= 1,
  '(0, 1]': (x: number) => x > 0 && x <= 1,
};
export type Interval = keyof typeof intervals;

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

export function checkNumber(name: string, value: unknown, interval: Interval): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${show(value)}`);
  if (!intervals[interval](value)) {
    const range = interval.startsWith('[') || interval.startsWith('(') ? `in ${interval}` : `a finite number ${interval}`;
    throw new RangeError(`${name} must be ${range}, got ${value}`);
  }
  return value;
}

export function checkInteger(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${show(value)}`);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer ≥ ${min}, got ${value}`);
  }
  return value;
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be true or false, got ${show(value)}`);
  return value;
}

export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new RangeError(`${name} must be one of ${allowed.map(show).join(', ')}, got ${show(value)}`);
  }
  return value as T;
}

/** Rejects misspelt options (e.g. PyTorch's `weight_decay`), which would otherwise be silently ignored. */
export function checkKeys(what: string, options: object, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`unknown ${what} option ${show(key)}; the options are ${allowed.join(', ')}`);
    }
  }
}

/** `options` without its undefined entries, so `{ momentum: undefined }` means the default. */
export function defined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
