import { accuracyPercent, momentumLabel, percent, round, wholeSteps, withInterval } from './labels.js';
import type { SettingSummary, StudyConfig } from './types.js';

/** The table's columns: no effective step for Adam (its step does not grow with β1), no test for grid cells. */
export function tableHeader(config: StudyConfig, withTest: boolean): string[] {
  return [
    'setting', 'lr', ...(config.optimizer === 'adam' ? [] : ['lr / (1 − μ)']), 'status',
    `steps to ${percent(config.targetAccuracy, 1)} val.`, 'final val. accuracy', 'best val. accuracy (mean step)',
    ...(withTest ? ['final test accuracy'] : []), 'seconds',
  ];
}

function stepsCell(s: SettingSummary): string {
  const { reached, of, estimate } = s.stepsToTarget;
  if (estimate) return withInterval(estimate, wholeSteps);
  return reached === 0 ? 'never' : `${reached} of ${of} seeds`;
}

export function statusCell(s: SettingSummary): string {
  if (s.status.status === 'ok') return 'ok';
  const share = s.seeds.length > 1 ? ` (${s.status.failed} of ${s.seeds.length})` : '';
  return `${s.status.status}${share} at step ${s.status.step}`;
}

/** The metrics table as text cells, one row per setting: the HTML report and the CLI print the same. */
export function tableRows(config: StudyConfig, settings: readonly SettingSummary[], withTest: boolean): string[][] {
  return settings.map((s) => [
    momentumLabel(config.optimizer, s.momentum),
    round(s.lr, 4),
    ...(config.optimizer === 'adam' ? [] : [round(s.effectiveStep!, 4)]),
    statusCell(s),
    stepsCell(s),
    withInterval(s.finalValidationAccuracy, accuracyPercent),
    `${withInterval(s.bestValidationAccuracy, accuracyPercent)} at step ${wholeSteps(s.bestStep.mean)}`,
    ...(withTest ? [s.finalTestAccuracy ? withInterval(s.finalTestAccuracy, accuracyPercent) : '—'] : []),
    s.seconds.toFixed(1),
  ]);
}

/** Fixed-width text columns, for a terminal. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}
