import type { RunData } from './run-setting.js';
import type { RunConfig, RunProgress, RunRecord } from './types.js';

/** A worker thread's `workerData`: the images, in shared memory, for every run it is given. */
export interface WorkerSetup {
  data: RunData;
}

/** What a worker is asked to do: one run on `threads` threads; only `heavyball train` gives checkpoint files. */
export interface WorkerJob {
  config: RunConfig;
  threads: number;
  checkpoint?: { path: string; every: number };
  resume?: string;
}

/** What a worker posts back for the job it is on. */
export type WorkerMessage =
  | { type: 'progress'; progress: RunProgress }
  | { type: 'result'; record: RunRecord };
