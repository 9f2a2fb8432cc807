// Node-only: writes the report files, each to a temporary name renamed into place.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { answerChartSpec } from './chart-answer.js';
import { accuracyChartSpec, lossChartSpec } from './chart-curves.js';
import { heatmapSpec } from './chart-heatmap.js';
import { percent } from './labels.js';
import { renderSvg } from './render-svg.js';
import { reportHtml, type PartCharts } from './report-html.js';
import { trainReportHtml } from './train-report-html.js';
import type { PartResult, RunAnalysis, RunEntry, RunRecord, StudyResult } from './types.js';
import { writeTextAtomic } from '../write-file-atomic.js';

export interface ReportPaths {
  json: string;
  html: string;
  svg: string;
}

async function partCharts(result: StudyResult, part: PartResult): Promise<PartCharts> {
  const { optimizer, smoothing, targetAccuracy } = result.config;
  const reported = new Set(part.reported.flatMap((s) => s.runs));
  const entries = result.runs.filter((r) => reported.has(r.id));
  const records = entries.map((e) => e.record);
  const ok = new Map(entries.map((e) => [e.record, e.analysis.status === 'ok']));
  const target = `${percent(targetAccuracy, 1)} validation accuracy`;
  const [loss, accuracy, heatmap] = await Promise.all([
    renderSvg(lossChartSpec(optimizer, records, smoothing)),
    renderSvg(accuracyChartSpec(optimizer, records, (r) => ok.get(r) ?? false, targetAccuracy)),
    part.spec.kind === 'tuned' ? renderSvg(heatmapSpec(optimizer, part, target)) : Promise.resolve(undefined),
  ]);
  return { loss, accuracy, heatmap };
}

/**
 * Writes `<name>.json` (everything), `<name>.html` (answer, charts, tables; viewable offline) and
 * `<name>.svg` (the answer's figure: steps to the target per μ and part) into `dir`. A study stopped early
 * writes `<name>-partial.*` instead, so an earlier complete report is never replaced by a partial one;
 * a complete report removes a stale partial one.
 */
export async function writeReport(result: StudyResult, dir: string, name: string = result.kind): Promise<ReportPaths> {
  const base = result.aborted ? `${name}-partial` : name;
  const target = `${percent(result.config.targetAccuracy, 1)} validation accuracy`;
  const [answer, ...parts] = await Promise.all([
    renderSvg(answerChartSpec(result.config.optimizer, result.parts, target)),
    ...result.parts.map((part) => partCharts(result, part)),
  ]);
  const paths = { json: join(dir, `${base}.json`), html: join(dir, `${base}.html`), svg: join(dir, `${base}.svg`) };
  await writeTextAtomic(paths.json, `${JSON.stringify(result, null, 1)}\n`);
  await writeTextAtomic(paths.svg, answer as string);
  await writeTextAtomic(paths.html, reportHtml(result, { answer: answer as string, parts: parts as PartCharts[] }));
  if (!result.aborted) await Promise.all(['json', 'html', 'svg'].map((ext) => rm(join(dir, `${name}-partial.${ext}`), { force: true })));
  return paths;
}

/** `heavyball train`'s report: `train.json` (the record and its analysis), `train.html`, `train.svg` (the loss). */
export async function writeTrainReport(entry: Omit<RunEntry, 'id'>, dir: string): Promise<ReportPaths> {
  const { record, analysis } = entry as { record: RunRecord; analysis: RunAnalysis };
  const { optimizer } = record.config;
  const [loss, accuracy] = await Promise.all([
    renderSvg(lossChartSpec(optimizer, [record], 0.95)),
    renderSvg(accuracyChartSpec(optimizer, [record], () => analysis.status === 'ok', undefined)),
  ]);
  const paths = { json: join(dir, 'train.json'), html: join(dir, 'train.html'), svg: join(dir, 'train.svg') };
  await writeTextAtomic(paths.json, `${JSON.stringify({ record, analysis }, null, 1)}\n`);
  await writeTextAtomic(paths.svg, loss);
  await writeTextAtomic(paths.html, trainReportHtml(record, analysis, { loss, accuracy }));
  return paths;
}
