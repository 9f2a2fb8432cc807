import type { Estimate, SweepOptimizer } from './types.js';

const OPTIMIZER_NAMES: Record<SweepOptimizer, string> = {
  sgd: 'SGD with momentum',
  nesterov: 'SGD with Nesterov momentum',
  adam: 'Adam',
};

export function optimizerName(optimizer: SweepOptimizer): string {
  return OPTIMIZER_NAMES[optimizer];
}

/** The swept hyperparameter's symbol: μ for SGD's momentum, β1 for Adam's. */
export function momentumSymbol(optimizer: SweepOptimizer): string {
  return optimizer === 'adam' ? 'β1' : 'μ';
}

export function momentumLabel(optimizer: SweepOptimizer, momentum: number): string {
  return `${momentumSymbol(optimizer)} = ${momentum}`;
}

export function percent(fraction: number, digits = 2): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** A number to `digits` significant digits, without trailing zeros: 0.030000000000000006 → "0.03". */
export function round(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  return String(Number(x.toPrecision(digits)));
}

/** "1 step", "2 steps", "3.5 epochs": `n` with its noun, plural unless n is exactly 1. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** "a", "a and b", "a, b and c". */
export function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * "412 ± 14": the mean ± the half-width of its 95% confidence interval (Student t over the seeds), each
 * through `format`; the mean alone for n = 1, which has no interval.
 */
export function withInterval(e: Estimate, format: (x: number) => string): string {
  if (e.low === null || e.high === null) return format(e.mean);
  return `${format(e.mean)} ± ${format((e.high - e.low) / 2)}`;
}

export const wholeSteps = (x: number): string => String(Math.round(x));
export const accuracyPercent = (x: number): string => percent(x, 2);
