import type { Estimate } from './types.js';

/**
 * P(|T| ≤ t) for Student's t distribution with `df` (a positive integer) degrees of freedom, by the finite
 * series of Abramowitz & Stegun 26.7.3 (odd df) and 26.7.4 (even df), with θ = atan(t / √df).
 */
export function tCentralProbability(t: number, df: number): number {
  const theta = Math.atan(Math.abs(t) / Math.sqrt(df));
  const cos2 = Math.cos(theta) ** 2;
  if (df % 2 === 1) {
    if (df === 1) return (2 / Math.PI) * theta;
    let term = Math.cos(theta);
    let sum = term;
    for (let k = 3; k <= df - 2; k += 2) sum += (term *= (cos2 * (k - 1)) / k);
    return (2 / Math.PI) * (theta + Math.sin(theta) * sum);
  }
  let term = 1;
  let sum = 1;
  for (let k = 2; k <= df - 2; k += 2) sum += (term *= (cos2 * (k - 1)) / k);
  return Math.sin(theta) * sum;
}

/** The t with P(|T| ≤ t) = `confidence` for `df` degrees of freedom (bisection on the series above). */
export function tCritical(df: number, confidence = 0.95): number {
  if (!(Number.isSafeInteger(df) && df >= 1)) throw new RangeError(`degrees of freedom must be an integer ≥ 1, got ${df}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  let low = 0;
  let high = 1;
  while (tCentralProbability(high, df) < confidence) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-13 * high; i++) {
    const middle = (low + high) / 2;
    if (tCentralProbability(middle, df) < confidence) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/**
 * The mean of `values` with the sample standard deviation and the 95% confidence interval of the mean,
 * mean ± t(0.975, n − 1) · sd / √n; for one value there is no spread, so no sd and no interval.
 */
export function estimate(values: readonly number[]): Estimate {
  const n = values.length;
  if (n === 0) throw new RangeError('an estimate needs at least one value');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, sd: null, low: null, high: null };
  const sd = Math.sqrt(values.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const half = (tCritical(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, low: mean - half, high: mean + half };
}

/** Whether two estimates' intervals do not overlap (false when either has no interval). */
export function separated(a: Estimate, b: Estimate): boolean {
  if (a.low === null || a.high === null || b.low === null || b.high === null) return false;
  return a.high < b.low || b.high < a.low;
}

export interface Ranking<T> {
  /** Best first. */
  ranked: T[];
  /** The best, when its interval separates from the runner-up's (or it is the only one). */
  winner: T | null;
  /** When there is no winner: the best and every one whose interval overlaps the best's. */
  tied: T[];
}

/**
 * Ranks `items` by the mean of their estimate (`better` = 'lower' or 'higher') and names a winner only when
 * its 95% interval separates from the runner-up's; otherwise the ones that cannot be told from the best.
 */
export function rank<T>(items: readonly T[], value: (item: T) => Estimate, better: 'lower' | 'higher'): Ranking<T> {
  const sign = better === 'lower' ? 1 : -1;
  const ranked = [...items].sort((a, b) => sign * (value(a).mean - value(b).mean));
  if (ranked.length === 0) return { ranked, winner: null, tied: [] };
  const [best, runnerUp] = ranked;
  if (runnerUp === undefined) return { ranked, winner: best!, tied: [] };
  if (separated(value(best!), value(runnerUp))) return { ranked, winner: best!, tied: [] };
  return { ranked, winner: null, tied: ranked.filter((item) => item === best || !separated(value(best!), value(item))) };
}
