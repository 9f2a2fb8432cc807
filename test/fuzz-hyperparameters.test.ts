// Every numeric and boolean option of every optimizer and schedule, driven with arbitrary values (NaN, ±∞,
// −0, edges, huge, fractional, wrong types): a value in its range is taken; any other is a RangeError (a
// TypeError for a wrong type) naming the option and its range. test/optim-validation.test.ts and
// test/schedules.test.ts check chosen cases by hand; this table covers every option.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/index.js';
import { Adam, AdamW } from '../src/optim/adam.js';
import type { Optimizer } from '../src/optim/optimizer.js';
import { RMSprop } from '../src/optim/rmsprop.js';
import { schedules } from '../src/optim/schedules.js';
import { SGD } from '../src/optim/sgd.js';

const engine = await createEngine({ backend: 'js' });
const p = engine.parameter([1, 2, 3]);

type Range = '≥ 0' | '> 0' | '[0, 1)' | '[0, 1]' | '(0, 1]' | { integer: number };

const inRange: Record<Exclude<Range, object>, (x: number) => boolean> = {
  '≥ 0': (x) => x >= 0 && x < Infinity,
  '> 0': (x) => x > 0 && x < Infinity,
  '[0, 1)': (x) => x >= 0 && x < 1,
  '[0, 1]': (x) => x >= 0 && x <= 1,
  '(0, 1]': (x) => x > 0 && x <= 1,
};
const allowed = (range: Range, x: number) => (typeof range === 'object' ? Number.isSafeInteger(x) && x >= range.integer : inRange[range](x));
const rangeText = (range: Range) => (typeof range === 'object' ? `an integer ≥ ${range.integer}`
  : range.startsWith('[') || range.startsWith('(') ? `in ${range}` : `a finite number ${range}`);
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** [where, option as named in errors, its range, build with the option set to the value] */
type NumericCase = [string, string, Range, (value: unknown) => unknown];
const opt = <T>(make: (o: T) => unknown, base: object, key: string) => (value: unknown) => make({ ...base, [key]: value } as T);
const sgd = (o: object) => new SGD([p], o as { lr: number });

/**
 * The optimizers' cases come from their option tables (each option once, there); `base` is a valid set
 * of the other options (SGD needs an lr, and momentum for Nesterov).
 */
const optimizers: [typeof SGD.spec | typeof Adam.spec | typeof RMSprop.spec, (o: object) => unknown, object][] = [
  [SGD.spec, sgd, { lr: 0.1, momentum: 0.9 }],
  [Adam.spec, (o) => new Adam([p], o), {}],
  [AdamW.spec, (o) => new AdamW([p], o), {}],
  [RMSprop.spec, (o) => new RMSprop([p], o), {}],
];
const tableOptions = optimizers.flatMap(([spec, make, base]) => Object.entries(spec.options).map(([key, { rule }]) =>
  ({ where: spec.kind, key, rule, make: opt(make, base, key) })));

const numeric: NumericCase[] = [
  ...tableOptions.flatMap(({ where, key, rule, make }): NumericCase[] => {
    if (typeof rule !== 'object' || 'oneOf' in rule) return [];
    if ('number' in rule) return [[where, key, rule.number, make]];
    if ('integer' in rule) return [[where, key, { integer: rule.integer }, make]];
    return [0, 1].map((i): NumericCase => [where, `${key}[${i}]`, rule.pair,
      (v) => make(i === 0 ? [v, 0.999] : [0.9, v])]);
  }),

  ['constant schedule', 'lr', '≥ 0', opt(schedules.constant, {}, 'lr')],
  ['constant schedule', 'momentum', '[0, 1)', opt(schedules.constant, {}, 'momentum')],
  ['step schedule', 'lr', '≥ 0', opt(schedules.step, { stepSize: 10 }, 'lr')],
  ['step schedule', 'stepSize', { integer: 1 }, opt(schedules.step, { lr: 1 }, 'stepSize')],
  ['step schedule', 'gamma', '> 0', opt(schedules.step, { lr: 1, stepSize: 10 }, 'gamma')],
  ['exponential schedule', 'lr', '≥ 0', opt(schedules.exponential, { gamma: 0.9 }, 'lr')],
  ['exponential schedule', 'gamma', '> 0', opt(schedules.exponential, { lr: 1 }, 'gamma')],
  ['linearWarmup schedule', 'lr', '≥ 0', opt(schedules.linearWarmup, { steps: 10 }, 'lr')],
  ['linearWarmup schedule', 'steps', { integer: 1 }, opt(schedules.linearWarmup, { lr: 1 }, 'steps')],
  ['linearWarmup schedule', 'startFactor', '(0, 1]', opt(schedules.linearWarmup, { lr: 1, steps: 10 }, 'startFactor')],
  ['cosine schedule', 'lr', '≥ 0', opt(schedules.cosine, { tMax: 10 }, 'lr')],
  ['cosine schedule', 'tMax', { integer: 1 }, opt(schedules.cosine, { lr: 1 }, 'tMax')],
  ['cosine schedule', 'etaMin', '≥ 0', opt(schedules.cosine, { lr: 1, tMax: 10 }, 'etaMin')],
  ['cosine schedule', 'warmupSteps', { integer: 0 }, opt(schedules.cosine, { lr: 1, tMax: Number.MAX_SAFE_INTEGER }, 'warmupSteps')],
  ['cosine schedule', 'warmupStartFactor', '(0, 1]', opt(schedules.cosine, { lr: 1, tMax: 10, warmupSteps: 2 }, 'warmupStartFactor')],
  ['oneCycle schedule', 'maxLr', '≥ 0', opt(schedules.oneCycle, { totalSteps: 100 }, 'maxLr')],
  ['oneCycle schedule', 'totalSteps', { integer: 1 }, opt(schedules.oneCycle, { maxLr: 1 }, 'totalSteps')],
  ['oneCycle schedule', 'epochs', { integer: 1 }, opt(schedules.oneCycle, { maxLr: 1, stepsPerEpoch: 10 }, 'epochs')],
  ['oneCycle schedule', 'stepsPerEpoch', { integer: 1 }, opt(schedules.oneCycle, { maxLr: 1, epochs: 10 }, 'stepsPerEpoch')],
  ['oneCycle schedule', 'pctStart', '[0, 1]', opt(schedules.oneCycle, { maxLr: 1, totalSteps: 100 }, 'pctStart')],
  ['oneCycle schedule', 'baseMomentum', '[0, 1)', opt(schedules.oneCycle, { maxLr: 1, totalSteps: 100 }, 'baseMomentum')],
  ['oneCycle schedule', 'maxMomentum', '[0, 1)', opt(schedules.oneCycle, { maxLr: 1, totalSteps: 100 }, 'maxMomentum')],
  ['oneCycle schedule', 'divFactor', '> 0', opt(schedules.oneCycle, { maxLr: 1, totalSteps: 100 }, 'divFactor')],
  ['oneCycle schedule', 'finalDivFactor', '> 0', opt(schedules.oneCycle, { maxLr: 1, totalSteps: 100 }, 'finalDivFactor')],
  ['momentumWarmup schedule', 'maxMomentum', '[0, 1)', opt(schedules.momentumWarmup, {}, 'maxMomentum')],
  ['momentumWarmup schedule', 'every', { integer: 1 }, opt(schedules.momentumWarmup, { maxMomentum: 0.9 }, 'every')],
];

/**
 * Value-dependent rules beyond the option's own range: the only other errors a value in range may give,
 * each a RangeError naming the option.
 */
const alsoRefused: Record<string, RegExp> = {
  'cosine schedule warmupSteps': /warmupSteps must be less than tMax/,
  'oneCycle schedule pctStart': /pctStart .* gives a one-cycle phase of no steps/,
  'oneCycle schedule totalSteps': /pctStart .* gives a one-cycle phase of no steps/,
};

const numbers = fc.oneof(
  fc.double(),
  fc.double({ min: -0.5, max: 1.5 }),
  fc.integer({ min: -3, max: 300 }),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, Number.MIN_VALUE, 1, 1 - 2 ** -53, 1 + 2 ** -52, 2 ** 53, 2 ** 53 + 2, -1, 0.5),
);
const notNumbers = fc.oneof(fc.string(), fc.constantFrom(null, true, false, [], {}, '0.1', 1n));

describe('every numeric option: in range it is taken, out of range a RangeError names it and its range', () => {
  it.each(numeric)('%s %s %o', (where, name, range, make) => {
    fc.assert(fc.property(numbers, (value) => {
      let error: unknown;
      try {
        make(value);
      } catch (e) {
        error = e;
      }
      if (allowed(range, value)) {
        if (error === undefined) return;
        expect(error).toBeInstanceOf(RangeError);
        expect((error as Error).message).toMatch(alsoRefused[`${where} ${name}`] ?? /^$/);
      } else {
        expect(error).toBeInstanceOf(RangeError);
        expect((error as Error).message).toMatch(new RegExp(`^${escape(`${name} must be ${rangeText(range)}, got ${value}`)}$`));
      }
    }), { numRuns: 300 });
  });

  it.each(numeric)('%s %s: a value of another type is a TypeError naming it', (_, name, __, make) => {
    fc.assert(fc.property(notNumbers, (value) => {
      expect(() => make(value)).toThrow(TypeError);
      expect(() => make(value)).toThrow(new RegExp(`^${escape(name)} must be a number`));
    }), { numRuns: 30 });
  });
});

describe('every boolean option takes true and false and refuses anything else with a TypeError naming it', () => {
  const booleans: [string, string, (value: unknown) => unknown][] = [
    ...tableOptions.filter(({ rule }) => rule === 'boolean').map(({ where, key, make }): [string, string, (v: unknown) => unknown] => [where, key, make]),
    ['oneCycle schedule', 'cycleMomentum', opt(schedules.oneCycle, { maxLr: 1, totalSteps: 100 }, 'cycleMomentum')],
    ['oneCycle schedule', 'threePhase', opt(schedules.oneCycle, { maxLr: 1, totalSteps: 100 }, 'threePhase')],
  ];
  it.each(booleans)('%s %s', (_, name, make) => {
    expect(() => make(true)).not.toThrow();
    expect(() => make(false)).not.toThrow();
    fc.assert(fc.property(fc.oneof(numbers, notNumbers).filter((v) => typeof v !== 'boolean'), (value) => {
      expect(() => make(value)).toThrow(TypeError);
      expect(() => make(value)).toThrow(new RegExp(`^${name} must be true or false`));
    }), { numRuns: 50 });
  });

  it("oneCycle annealStrategy is 'cos' or 'linear'", () => {
    fc.assert(fc.property(fc.oneof(fc.string(), numbers), (value) => {
      if (value === 'cos' || value === 'linear') return;
      expect(() => schedules.oneCycle({ maxLr: 1, totalSteps: 100, annealStrategy: value as 'cos' })).toThrow(/^annealStrategy must be one of "cos", "linear"/);
    }), { numRuns: 100 });
  });
});

describe('setting lr and momentum between steps follows the same ranges and, when refused, changes nothing', () => {
  const optimizers: [string, () => Optimizer, string][] = [
    ['SGD', () => new SGD([p], { lr: 0.1, momentum: 0.5 }), 'momentum'],
    ['SGD Nesterov', () => new SGD([p], { lr: 0.1, momentum: 0.5, nesterov: true }), 'momentum'],
    ['Adam', () => new Adam([p]), 'betas[0]'],
    ['AdamW', () => new AdamW([p]), 'betas[0]'],
    ['RMSprop', () => new RMSprop([p]), 'momentum'],
  ];
  it.each(optimizers)('%s', (label, make, momentumName) => {
    const optimizer = make();
    fc.assert(fc.property(numbers, fc.constantFrom('lr', 'momentum') as fc.Arbitrary<'lr' | 'momentum'>, (value, key) => {
      const before = optimizer.state();
      const range: Range = key === 'lr' ? '≥ 0' : '[0, 1)';
      const name = key === 'lr' ? 'lr' : momentumName;
      const ok = allowed(range, value) && !(label === 'SGD Nesterov' && key === 'momentum' && value === 0);
      if (ok) {
        optimizer[key] = value;
        expect(optimizer[key]).toBe(value);
      } else {
        expect(() => (optimizer[key] = value)).toThrow(RangeError);
        expect(() => (optimizer[key] = value)).toThrow(new RegExp(`^${escape(name)} must be|nesterov needs momentum > 0`));
        expect(optimizer.state()).toEqual(before);
      }
    }), { numRuns: 300 });
  });
});
