/**
 * The one way heavyball checks options and parsed values: a wrong type is a TypeError, a value out of
 * range a RangeError, each naming the value (`name`) and what it must be. Optimizers, schedules and
 * checkpoints use these; a declarative `Rule` lets a table of options say the same in data.
 */
const intervals = {
  '≥ 0': (x: number) => x >= 0 && x < Infinity,
  '> 0': (x: number) => x > 0 && x < Infinity,
  '[0, 1)': (x: number) => x >= 0 && x < 1,
  '[0, 1]': (x: number) => x >= 0 && x <= 1,
  '(0, 1]': (x: number) => x > 0 && x <= 1,
};
export type Interval = keyof typeof intervals;
/** An interval with two ends, said "in [0, 1)"; the others are said "> 0". */
const twoEnded = (interval: Interval) => interval.startsWith('[') || interval.startsWith('(');

/** What a value must be: a number in an interval, an integer ≥ a bound (any: Number.MIN_SAFE_INTEGER), a boolean, one of some strings, or a pair of numbers. */
export type Rule =
  | { number: Interval }
  | { integer: number }
  | 'boolean'
  | { oneOf: readonly string[] }
  | { pair: Interval; items: readonly [string, string] };

/** Whether `value` is what `rule` says: the one test behind every check here, and behind the CLI's parsers. */
export function satisfies(value: unknown, rule: Rule): boolean {
  if (rule === 'boolean') return typeof value === 'boolean';
  if ('number' in rule) return typeof value === 'number' && intervals[rule.number](value);
  if ('integer' in rule) return Number.isSafeInteger(value) && (value as number) >= rule.integer;
  if ('oneOf' in rule) return rule.oneOf.includes(value as string);
  return Array.isArray(value) && value.length === 2 && value.every((x) => satisfies(x, { number: rule.pair }));
}

/** Throws the RangeError `<name> must be <what>, got <value>` unless `ok`: for a rule with words of its own. */
export function checkThat(ok: boolean, name: string, what: string, value: unknown): void {
  if (!ok) throw new RangeError(`${name} must be ${what}, got ${show(value)}`);
}

/** `value` for an error message: strings quoted, anything long cut short (hostile input can be huge). */
export function show(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' || (typeof value === 'object' && value !== null) ? JSON.stringify(value) ?? String(value) : String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** A number; with `interval`, inside it (intervals with ≥ or > also exclude ∞). */
export function checkNumber(name: string, value: unknown, interval?: Interval): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${show(value)}`);
  if (interval !== undefined && !satisfies(value, { number: interval })) {
    const range = twoEnded(interval) ? `in ${interval}` : `a finite number ${interval}`;
    throw new RangeError(`${name} must be ${range}, got ${value}`);
  }
  return value;
}

/** A safe integer; with `min`, at least that. */
export function checkInteger(name: string, value: unknown, min?: number): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${show(value)}`);
  if (!satisfies(value, { integer: min ?? Number.MIN_SAFE_INTEGER })) {
    throw new RangeError(`${name} must be an integer${min === undefined ? '' : ` ≥ ${min}`}, got ${value}`);
  }
  return value;
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (!satisfies(value, 'boolean')) throw new TypeError(`${name} must be true or false, got ${show(value)}`);
  return value as boolean;
}

export function checkString(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${show(value)}`);
  return value;
}

export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!satisfies(value, { oneOf: allowed })) {
    throw new RangeError(`${name} must be one of ${allowed.map(show).join(', ')}, got ${show(value)}`);
  }
  return value as T;
}

/** A plain object (not null, not an array). */
export function checkObject(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${name} must be an object`);
  return value as Record<string, unknown>;
}

export function checkArray(name: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array`);
  return value;
}

/** A list of at least `min` values, each a number or integer as `item` says; with `unique`, none twice. */
export function checkList(name: string, value: unknown, item: { number: Interval } | { integer: number },
  { min, unique = false }: { min: number; unique?: boolean }): unknown[] {
  const items = 'number' in item
    ? `numbers ${twoEnded(item.number) ? 'in ' : ''}${item.number}`
    : `integers${item.integer === Number.MIN_SAFE_INTEGER ? '' : ` ≥ ${item.integer}`}`;
  const list = checkArray(name, value);
  checkThat(list.length >= min && list.every((x) => satisfies(x, item)), name, `${min === 1 ? 'a non-empty list of' : `a list of at least ${min}`} ${items}`, list);
  checkThat(!unique || new Set(list).size === list.length, name, 'a list without repeats', list);
  return list;
}

/** Rejects misspelt options (e.g. PyTorch's `weight_decay`), which would otherwise be silently ignored. */
export function checkKeys(what: string, options: object, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`unknown ${what} option ${show(key)}; the options are ${allowed.join(', ')}`);
    }
  }
}

/** `value` checked against `rule`; a pair comes back as a new array. */
export function checkRule(name: string, value: unknown, rule: Rule): unknown {
  if (rule === 'boolean') return checkBoolean(name, value);
  if ('number' in rule) return checkNumber(name, value, rule.number);
  if ('integer' in rule) return checkInteger(name, value, rule.integer);
  if ('oneOf' in rule) return checkOneOf(name, value, rule.oneOf);
  if (!Array.isArray(value) || value.length !== 2) {
    throw new TypeError(`${name} must be a pair [${rule.items.join(', ')}], got ${show(value)}`);
  }
  return [checkNumber(`${name}[0]`, value[0], rule.pair), checkNumber(`${name}[1]`, value[1], rule.pair)];
}

/** `options` without its undefined entries, so `{ momentum: undefined }` means the default. */
export function defined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
