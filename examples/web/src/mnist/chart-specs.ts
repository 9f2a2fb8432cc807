import type { TopLevelSpec } from 'vega-lite';

const HEIGHT = 220;

/** A run's line and its label, in the colour of its momentum. */
export interface RunLine {
  label: string;
  colour: string;
}

/** Lines are coloured by run (its momentum's colour), listed in the order the runs were started. */
function colour(runs: readonly RunLine[]) {
  return {
    field: 'run',
    type: 'nominal',
    title: null,
    scale: { domain: runs.map((r) => r.label), range: runs.map((r) => r.colour) },
    legend: { orient: 'top', direction: 'horizontal' },
  } as const;
}

/** The step axis spans the whole run from the start, so the lines grow across it. */
function stepAxis(steps: number) {
  return { field: 'step', type: 'quantitative' as const, title: 'step', scale: { domain: [0, steps] } };
}

/** Rows `{ run, step, loss, smoothed }`, streamed into the dataset named 'losses'. */
export function lossChartSpec(runs: readonly RunLine[], steps: number): TopLevelSpec {
  const x = stepAxis(steps);
  const y = { type: 'quantitative', title: 'training loss (log)', scale: { type: 'log', nice: false } } as const;
  return {
    width: 'container',
    height: HEIGHT,
    data: { name: 'losses' },
    // One legend, the thick lines'.
    resolve: { legend: { color: 'independent' } },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 1, opacity: 0.25, clip: true },
        encoding: { x, y: { ...y, field: 'loss' }, color: { ...colour(runs), legend: null } },
      },
      {
        mark: { type: 'line', strokeWidth: 2, clip: true },
        encoding: { x, y: { ...y, field: 'smoothed' }, color: colour(runs) },
      },
    ],
  } as TopLevelSpec;
}

/** Rows `{ run, step, accuracy }`, streamed into the dataset named 'accuracy'. */
export function accuracyChartSpec(runs: readonly RunLine[], steps: number): TopLevelSpec {
  return {
    width: 'container',
    height: HEIGHT,
    data: { name: 'accuracy' },
    mark: { type: 'line', point: true },
    encoding: {
      x: stepAxis(steps),
      y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy', axis: { format: '.0%' }, scale: { zero: false } },
      color: colour(runs),
    },
  } as TopLevelSpec;
}
