import { describe, expect, it } from 'vitest';
import { estimate, rank, separated, tCentralProbability, tCritical } from '../src/experiments/statistics.js';
import type { Estimate } from '../src/experiments/types.js';

describe('Student t', () => {
  it('has the closed forms for 1 and 2 degrees of freedom', () => {
    // df 1 is Cauchy: P(|T| ≤ t) = 2·atan(t)/π, so t(0.975) = tan(0.475 π).
    expect(tCritical(1)).toBeCloseTo(Math.tan(0.475 * Math.PI), 9);
    expect(tCritical(1)).toBeCloseTo(12.7062, 4);
    // df 2: P(|T| ≤ t) = t / √(2 + t²), so t = p·√(2 / (1 − p²)) with p = 0.95.
    expect(tCritical(2)).toBeCloseTo(0.95 * Math.sqrt(2 / (1 - 0.95 ** 2)), 9);
    expect(tCritical(2)).toBeCloseTo(4.3027, 4);
  });

  it('matches the printed table for more degrees of freedom', () => {
    const table: [number, number][] = [[3, 3.182446], [4, 2.776445], [5, 2.570582], [9, 2.262157], [10, 2.228139], [29, 2.045230], [30, 2.042272]];
    for (const [df, t] of table) expect(tCritical(df)).toBeCloseTo(t, 5);
  });

  it('has a probability that grows with t from 0 to 1', () => {
    for (const df of [1, 2, 3, 4, 7, 12]) {
      expect(tCentralProbability(0, df)).toBe(0);
      expect(tCentralProbability(1e6, df)).toBeCloseTo(1, 5);
      expect(tCentralProbability(1, df)).toBeLessThan(tCentralProbability(2, df));
    }
  });

  it('rejects a degree of freedom that is not a whole number ≥ 1', () => {
    expect(() => tCritical(0)).toThrow(/degrees of freedom must be an integer ≥ 1, got 0/);
    expect(() => tCritical(2.5)).toThrow(RangeError);
  });
});

describe('estimate', () => {
  it('is the mean ± t · sd / √n, computed by hand for 1, 2, 3, 4', () => {
    // mean 2.5; sd = √(((1.5² + 0.5²) · 2) / 3) = √(5/3); t(0.975, 3) = 3.182446; half = t · sd / 2.
    const e = estimate([1, 2, 3, 4]);
    const half = 3.182446 * Math.sqrt(5 / 3) / 2;
    expect(e.n).toBe(4);
    expect(e.mean).toBe(2.5);
    expect(e.sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(e.low).toBeCloseTo(2.5 - half, 5);
    expect(e.high).toBeCloseTo(2.5 + half, 5);
    expect(half).toBeCloseTo(2.0543, 4);
  });

  it('gives no sd and no interval for one value', () => {
    expect(estimate([0.97])).toEqual({ n: 1, mean: 0.97, sd: null, low: null, high: null });
  });

  it('gives a zero-width interval for equal values, and refuses none', () => {
    expect(estimate([3, 3, 3])).toMatchObject({ mean: 3, sd: 0, low: 3, high: 3 });
    expect(() => estimate([])).toThrow(/at least one value/);
  });
});

describe('rank', () => {
  const e = (mean: number, half: number | null): Estimate => ({
    n: 3, mean, sd: half, low: half === null ? null : mean - half, high: half === null ? null : mean + half,
  });

  it('names a winner when its interval separates from the runner-up', () => {
    const items = [{ name: 'a', e: e(100, 5) }, { name: 'b', e: e(120, 5) }, { name: 'c', e: e(300, 10) }];
    const ranking = rank(items, (i) => i.e, 'lower');
    expect(ranking.winner?.name).toBe('a');
    expect(ranking.tied).toEqual([]);
    expect(ranking.ranked.map((i) => i.name)).toEqual(['a', 'b', 'c']);
  });

  it('says indistinguishable when the best two overlap, listing all that overlap the best', () => {
    const items = [{ name: 'c', e: e(300, 10) }, { name: 'b', e: e(108, 5) }, { name: 'a', e: e(100, 5) }];
    const ranking = rank(items, (i) => i.e, 'lower');
    expect(ranking.winner).toBeNull();
    expect(ranking.tied.map((i) => i.name)).toEqual(['a', 'b']);
  });

  it('ranks highest first for accuracy, and names no winner without intervals (one seed)', () => {
    const items = [{ name: 'x', e: e(0.96, null) }, { name: 'y', e: e(0.97, null) }];
    const ranking = rank(items, (i) => i.e, 'higher');
    expect(ranking.ranked.map((i) => i.name)).toEqual(['y', 'x']);
    expect(ranking.winner).toBeNull();
    expect(separated(items[0]!.e, items[1]!.e)).toBe(false);
  });
});
