import type { TopLevelSpec } from 'vega-lite';
import { momentumColourEncoding, SCHEMA } from './chart-colours.js';
import { partTitle } from './conclusion.js';
import { momentumLabel, momentumSymbol } from './labels.js';
import type { PartResult, SweepOptimizer } from './types.js';

/**
 * The study on one figure: per part, each μ's steps to the validation target as its mean and 95% interval;
 * a setting that failed or did not reach the target in every seed is named at the top instead.
 */
export function answerChartSpec(optimizer: SweepOptimizer, parts: readonly PartResult[], targetLabel: string): TopLevelSpec {
  const values = parts.flatMap((part) => part.reported.map((s) => {
    const e = s.status.status === 'ok' ? s.stepsToTarget.estimate : null;
    const note = s.status.status !== 'ok' ? s.status.status
      : e ? '' : s.stepsToTarget.reached === 0 ? 'never' : `${s.stepsToTarget.reached}/${s.stepsToTarget.of}`;
    return {
      part: partTitle(part.spec, optimizer),
      momentum: String(s.momentum),
      momentumValue: s.momentum,
      setting: momentumLabel(optimizer, s.momentum),
      steps: e?.mean ?? null,
      low: e ? e.low ?? e.mean : null,
      high: e ? e.high ?? e.mean : null,
      note,
    };
  }));
  const momenta = parts.flatMap((p) => p.reported.map((s) => s.momentum));
  const x = { field: 'momentum', type: 'ordinal', title: momentumSymbol(optimizer), sort: { field: 'momentumValue' }, axis: { labelAngle: 0 } } as const;
  const colour = momentumColourEncoding(optimizer, momenta);
  return {
    $schema: SCHEMA,
    title: `Steps to ${targetLabel} (mean, 95% interval over seeds)`,
    background: 'white',
    data: { values },
    facet: { column: { field: 'part', type: 'nominal', title: null, sort: parts.map((p) => partTitle(p.spec, optimizer)), header: { labelFontSize: 12 } } },
    spec: {
      width: 220,
      height: 240,
      layer: [
        {
          transform: [{ filter: 'datum.steps !== null' }],
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: { x, y: { field: 'low', type: 'quantitative', title: 'steps', scale: { zero: true } }, y2: { field: 'high' }, color: colour },
        },
        {
          transform: [{ filter: 'datum.steps !== null' }],
          mark: { type: 'point', filled: true, size: 60 },
          encoding: { x, y: { field: 'steps', type: 'quantitative' }, color: colour },
        },
        {
          transform: [{ filter: "datum.note !== ''" }],
          mark: { type: 'text', angle: 270, align: 'right', baseline: 'middle', dy: 0, fontSize: 10, color: '#c92a2a' },
          encoding: { x, y: { value: 4 }, text: { field: 'note' } },
        },
      ],
    },
  } as TopLevelSpec;
}
