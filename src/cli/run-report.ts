import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointFormatError } from '../checkpoint/checkpoint-format-error.js';
import { readCheckpointInfo } from '../checkpoint/load-checkpoint.js';
import { writeReport, writeTrainReport } from '../experiments/report-node.js';
import { formatTable, tableHeader, tableRows } from '../experiments/results-table.js';
import { study, sweep, type StudyOptions } from '../experiments/study-node.js';
import { trainSummary } from '../experiments/train-report-html.js';
import { trainRun, type TrainOptions } from '../experiments/train-node.js';
import { partTitle } from '../experiments/conclusion.js';
import type { StudyResult } from '../experiments/types.js';
import { type Output, progressView, type ProgressView, type ResumedAt } from './progress.js';

export interface CliIo {
  stdout: Output;
  stderr: Output;
  /** Stops a running study (finished runs stay stored). Default: the first Ctrl-C (SIGINT). */
  interrupt?: AbortSignal;
}

/** Exit code of a study stopped by Ctrl-C, as shells report a process ended by SIGINT. */
export const INTERRUPTED = 130;

/** Runs `work` with a stop signal that the first interrupt (Ctrl-C) aborts. */
async function interruptible<T>(io: CliIo, view: ProgressView, message: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const stop = new AbortController();
  const onInterrupt = () => {
    view.log(message);
    stop.abort();
  };
  if (io.interrupt) io.interrupt.addEventListener('abort', onInterrupt, { once: true });
  else process.once('SIGINT', onInterrupt);
  if (io.interrupt?.aborted) onInterrupt();
  try {
    return await work(stop.signal);
  } finally {
    view.stop();
    io.interrupt?.removeEventListener('abort', onInterrupt);
    process.removeListener('SIGINT', onInterrupt);
  }
}

/**
 * Runs the study (or one sweep part) with progress on `io.stdout`, storing each run in `runs` as it
 * finishes, writes the report `<out>/<kind>.{json,html,svg}` (a stopped study: `<kind>-partial.*`, leaving
 * an earlier complete report alone) and prints the tables and the answer. Returns the exit code.
 */
export async function runStudyAndReport(kind: 'study' | 'sweep', options: StudyOptions, out: string, runs: string | undefined, io: CliIo): Promise<number> {
  const view = progressView(io.stdout, options.optimizer ?? 'sgd');
  const result = await interruptible(io, view, 'Stopping; finished runs are stored, and the same command continues from them. (Ctrl-C again quits at once.)',
    (signal) => (kind === 'study' ? study : sweep)({
      ...options,
      store: runs ?? join(out, 'runs'),
      signal,
      onPlan: (plan) => view.plan(plan),
      onStart: (config, slot) => view.start(config, slot),
      onProgress: (config, progress, slot) => view.update(config, progress, slot),
      onResult: (entry, reused) => view.finish(entry, reused),
    }));
  const paths = await writeReport(result, out);
  io.stdout.write(`\n${studySummary(result)}\n\n`);
  io.stdout.write(`Report: ${paths.html}\n        ${paths.json}\n        ${paths.svg}\n`);
  for (const failure of result.failures ?? []) io.stderr.write(`heavyball: run ${failure.id} failed: ${failure.reason}\n`);
  if (result.failures) return 1;
  return result.aborted ? INTERRUPTED : 0;
}

function studySummary(result: StudyResult): string {
  const tables = result.parts.map((part) => {
    const tuned = part.spec.kind === 'tuned';
    const rows = formatTable(tableHeader(result.config, true), tableRows(result.config, part.reported, true));
    return `${partTitle(part.spec, result.config.optimizer)}${tuned ? ' (the chosen lr for each)' : ''}\n${rows}`;
  });
  const time = `${result.seconds.toFixed(1)} s; ${result.runsTrained} runs trained, ${result.runsReused} reused`;
  return `${tables.join('\n\n')}\n\n${result.answer}\n(${time})`;
}

/** `heavyball train`: one run with progress, its single-run report `<out>/train.*`, and its summary. */
export async function trainAndReport(options: TrainOptions, out: string, io: CliIo): Promise<number> {
  const resumed = options.resume === undefined ? undefined : await resumedAt(options.resume);
  const view = progressView(io.stdout, options.optimizer ?? 'sgd', resumed);
  const entry = await interruptible(io, view, 'Stopping the run. (Ctrl-C again quits at once.)', (signal) => trainRun({
    ...options,
    signal,
    onStart: (config) => view.start(config, 0),
    onProgress: (config, progress) => view.update(config, progress, 0),
  }));
  if (entry === null) {
    io.stdout.write('\nStopped before the run finished; no report written.\n');
    return INTERRUPTED;
  }
  const paths = await writeTrainReport(entry, out);
  io.stdout.write(`\n${trainSummary(entry.record, entry.analysis)}\n\n`);
  io.stdout.write(`Report: ${paths.html}\n        ${paths.json}\n        ${paths.svg}\n`);
  return 0;
}

/** Where the checkpoint a run resumes from stands (a file that is no checkpoint fails here, with the reason). */
async function resumedAt(path: string): Promise<ResumedAt> {
  try {
    const info = readCheckpointInfo(await readFile(path));
    return { step: info.step, epoch: info.progress?.epoch };
  } catch (error) {
    if (error instanceof CheckpointFormatError) error.message = `${path}: ${error.message}`;
    throw error;
  }
}
