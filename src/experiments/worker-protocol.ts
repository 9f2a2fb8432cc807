import type { Dataset } from '../data/dataset.js';
import type { RunConfig, RunProgress, RunResult } from './types.js';

/** What a sweep worker is started with (its `workerData`); the images are shared, not copied. */
export interface WorkerJob {
  config: RunConfig;
  data: { train: Dataset; test: Dataset };
}

/** What a sweep worker posts back. */
export type WorkerMessage =
  | { type: 'progress'; progress: RunProgress }
  | { type: 'result'; result: RunResult };
