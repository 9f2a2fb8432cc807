/** Median and range of a set of samples (throughputs, times). */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** How many samples. */
  n: number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, n: sorted.length };
}

/** Each sample of `secondsPerRun` turned into a rate: `work` per second (flops, bytes, samples, ...). */
export function rates(secondsPerRun: readonly number[], work: number): Summary {
  return summarize(secondsPerRun.map((seconds) => work / seconds));
}

export function scale(summary: Summary, factor: number): Summary {
  return { median: summary.median * factor, min: summary.min * factor, max: summary.max * factor, n: summary.n };
}
