// Node-only: writes the report files.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { accuracyChartSpec, lossChartSpec, renderSvg } from './charts.js';
import { reportHtml } from './report-html.js';
import type { SweepResult } from './types.js';

export interface ReportPaths {
  json: string;
  html: string;
  svg: string;
}

/**
 * Writes `<name>.json` (the whole result), `<name>.html` (charts, table and conclusion, viewable offline)
 * and `<name>.svg` (the loss curves) into `dir`, creating it.
 */
export async function writeReport(result: SweepResult, dir: string, name = 'sweep'): Promise<ReportPaths> {
  const { optimizer, targetLoss, targetAccuracy } = result.config;
  const [loss, accuracy] = await Promise.all([
    renderSvg(lossChartSpec(optimizer, result.runs, targetLoss)),
    renderSvg(accuracyChartSpec(optimizer, result.runs, targetAccuracy)),
  ]);
  await mkdir(dir, { recursive: true });
  const paths = { json: join(dir, `${name}.json`), html: join(dir, `${name}.html`), svg: join(dir, `${name}.svg`) };
  await Promise.all([
    writeFile(paths.json, `${JSON.stringify(result, null, 1)}\n`),
    writeFile(paths.html, reportHtml(result, { loss, accuracy })),
    writeFile(paths.svg, loss),
  ]);
  return paths;
}
