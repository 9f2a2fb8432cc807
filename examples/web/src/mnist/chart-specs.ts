import type { TopLevelSpec } from 'vega-lite';
import { RUN_COLOURS } from './run-colours';

const HEIGHT = 220;

/** Lines are coloured by run, in the order the runs were started. */
function colour(labels: readonly string[]) {
  return {
    field: 'run',
    type: 'nominal',
    title: null,
    scale: { domain: [...labels], range: RUN_COLOURS.slice(0, labels.length) },
    legend: { orient: 'top', direction: 'horizontal' },
  } as const;
}

/** The step axis spans the whole run from the start, so the lines grow across it. */
function stepAxis(steps: number) {
  return { field: 'step', type: 'quantitative' as const, title: 'step', scale: { domain: [0, steps] } };
}

/** Rows `{ run, step, loss, smoothed }`, streamed into the dataset named 'losses'. */
export function lossChartSpec(labels: readonly string[], steps: number): TopLevelSpec {
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
        encoding: { x, y: { ...y, field: 'loss' }, color: { ...colour(labels), legend: null } },
      },
      {
        mark: { type: 'line', strokeWidth: 2, clip: true },
        encoding: { x, y: { ...y, field: 'smoothed' }, color: colour(labels) },
      },
    ],
  } as TopLevelSpec;
}

/** Rows `{ run, step, accuracy }`, streamed into the dataset named 'accuracy'. */
export function accuracyChartSpec(labels: readonly string[], steps: number): TopLevelSpec {
  return {
    width: 'container',
    height: HEIGHT,
    data: { name: 'accuracy' },
    mark: { type: 'line', point: true },
    encoding: {
      x: stepAxis(steps),
      y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy', axis: { format: '.0%' }, scale: { zero: false } },
      color: colour(labels),
    },
  } as TopLevelSpec;
}
