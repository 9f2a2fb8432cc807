/**
 * JSON that keeps every double exactly: JSON.stringify already prints the shortest string that parses
 * back to the same double; NaN, ±Infinity and −0, which JSON lacks, are written as the strings "NaN",
 * "Infinity", "-Infinity" and "-0", and `parseExact` reads those strings back as the numbers.
 */
export const stringifyExact = (value: unknown): string => JSON.stringify(value, (_, v: unknown) =>
  typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? (Object.is(v, -0) ? '-0' : String(v)) : v);

const SPECIAL: Record<string, number> = { NaN, Infinity, '-Infinity': -Infinity, '-0': -0 };

export const parseExact = (text: string): unknown =>
  JSON.parse(text, (_, v: unknown) => (typeof v === 'string' && Object.hasOwn(SPECIAL, v) ? SPECIAL[v] : v));
