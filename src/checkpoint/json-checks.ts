// Checks of parsed JSON values: each returns the value or throws Invalid naming `what`.
import { exactNumber } from './exact-json.js';

/** A value of the wrong shape; the message says which and how. */
export class Invalid extends Error {}

export function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Invalid(`${what} must be an object`);
  return value as Record<string, unknown>;
}

export function array(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Invalid(`${what} must be an array`);
  return value;
}

export function count(value: unknown, what: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new Invalid(`${what} must be a non-negative integer, got ${String(value).slice(0, 20)}`);
  return value as number;
}

export function integer(value: unknown, what: string): number {
  if (!Number.isSafeInteger(value)) throw new Invalid(`${what} must be an integer, got ${String(value).slice(0, 20)}`);
  return value as number;
}

export function boolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new Invalid(`${what} must be true or false`);
  return value;
}

export function string(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Invalid(`${what} must be a string`);
  return value;
}

/** A number written by stringifyExact (NaN, ±Infinity and −0 as strings). */
export function exact(value: unknown, what: string): number {
  const n = exactNumber(value);
  if (n === undefined) throw new Invalid(`${what} must be a number, got ${JSON.stringify(value)?.slice(0, 20)}`);
  return n;
}
