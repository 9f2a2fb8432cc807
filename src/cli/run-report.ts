import { readFile } from 'node:fs/promises';
import { CheckpointFormatError } from '../checkpoint/checkpoint-format-error.js';
import { readCheckpointInfo } from '../checkpoint/load-checkpoint.js';
import { percent } from '../experiments/labels.js';
import { writeReport } from '../experiments/report-node.js';
import { formatTable, TABLE_HEADER, tableRows } from '../experiments/results-table.js';
import { sweep, type SweepOptions } from '../experiments/sweep-node.js';
import type { SweepResult } from '../experiments/types.js';
import { count, loss, type Output, progressView, type ResumedAt } from './progress.js';

export interface CliIo {
  stdout: Output;
  stderr: Output;
  /** Stops a running sweep (the report is still written). Default: the first Ctrl-C (SIGINT). */
  interrupt?: AbortSignal;
}

/** Exit code of a sweep stopped by Ctrl-C, as shells report a process ended by SIGINT. */
export const INTERRUPTED = 130;

/**
 * Runs the sweep with progress on `io.stdout`, writes the report `<out>/<name>.{json,html,svg}` (also when
 * interrupted, for the runs that finished) and prints the summary. Returns the exit code.
 */
export async function runAndReport(options: SweepOptions, out: string, name: 'sweep' | 'train', io: CliIo): Promise<number> {
  const view = progressView(io.stdout, options.optimizer ?? 'sgd', options.resume === undefined ? undefined : await resumedAt(options.resume));
  const stop = new AbortController();
  const onInterrupt = () => {
    view.log('Stopping the workers; the report will hold the runs that finished. (Ctrl-C again quits at once.)');
    stop.abort();
  };
  if (io.interrupt) io.interrupt.addEventListener('abort', onInterrupt, { once: true });
  else process.once('SIGINT', onInterrupt);
  if (io.interrupt?.aborted) onInterrupt();
  let result: SweepResult;
  try {
    result = await sweep({
      ...options,
      signal: stop.signal,
      onStart: (config, worker) => view.start(config, worker),
      onProgress: (progress, worker) => view.update(progress, worker),
      onResult: (run, worker) => view.finish(run, worker),
    });
  } finally {
    view.stop();
    io.interrupt?.removeEventListener('abort', onInterrupt);
    process.removeListener('SIGINT', onInterrupt);
  }
  const paths = await writeReport(result, out, name);
  io.stdout.write(`\n${name === 'train' ? trainSummary(result) : sweepSummary(result)}\n\n`);
  io.stdout.write(`Report: ${paths.html}\n        ${paths.json}\n        ${paths.svg}\n`);
  return result.aborted ? INTERRUPTED : 0;
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

function sweepSummary(result: SweepResult): string {
  const table = formatTable(TABLE_HEADER, tableRows(result.config, result.settings));
  return `${table}\n\n${result.conclusion}\n(${result.seconds.toFixed(1)} s)`;
}

function trainSummary(result: SweepResult): string {
  const run = result.runs[0];
  if (!run) return 'Stopped before the run finished.';
  if (run.diverged) return `Diverged at step ${run.diverged.step} (loss ${loss(run.diverged.loss)}), in ${run.seconds.toFixed(1)} s.`;
  return `Final test accuracy ${percent(run.finalTestAccuracy)} (test loss ${loss(run.finalTestLoss)}) after ${count(run.steps, 'step')}, `
    + `in ${run.seconds.toFixed(1)} s.`;
}
