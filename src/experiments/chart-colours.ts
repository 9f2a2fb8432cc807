import { momentumLabel, momentumSymbol } from './labels.js';
import { momentumColour } from './palette.js';
import type { SweepOptimizer } from './types.js';

/** The colour encoding of a chart over `momenta`: each μ its fixed colour, the legend in increasing μ. */
export function momentumColourEncoding(optimizer: SweepOptimizer, momenta: readonly number[]) {
  const sorted = [...new Set(momenta)].sort((a, b) => a - b);
  return {
    field: 'setting',
    type: 'nominal',
    title: momentumSymbol(optimizer),
    legend: { symbolOpacity: 1 },
    scale: { domain: sorted.map((m) => momentumLabel(optimizer, m)), range: sorted.map(momentumColour) },
  } as const;
}

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
