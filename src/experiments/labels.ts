import type { SweepOptimizer } from './types.js';

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

/** A count of steps, rounded to a whole step when it is a mean. */
export function steps(n: number): string {
  return String(Math.round(n));
}

/** "a", "a and b", "a, b and c". */
export function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
