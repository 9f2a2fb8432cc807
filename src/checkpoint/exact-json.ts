import { show } from '../check.js';

/**
 * JSON that keeps every double exactly: JSON.stringify already prints the shortest string that parses
 * back to the same double; NaN, ±Infinity and −0, which JSON lacks, are written as the strings
 * "NaN", "Infinity", "-Infinity" and "-0" and read back by `checkExact`.
 */
export function stringifyExact(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? String(Object.is(v, -0) ? '-0' : v) : v);
}

const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

/** The number `value` stands for in `stringifyExact`'s output; a TypeError naming `name` if it stands for none. */
export function checkExact(name: string, value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && Object.hasOwn(SPECIAL, value)) return SPECIAL[value]!;
  throw new TypeError(`${name} must be a number, got ${show(value)}`);
}
