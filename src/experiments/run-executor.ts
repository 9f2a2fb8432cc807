import type { RunData } from './run-setting.js';
import type { RunConfig, RunProgress, RunRecord } from './types.js';

/** A run a study needs trained, under its id (the hash of its configuration). */
export interface ExecutorJob {
  id: string;
  config: RunConfig;
}

export interface ExecutorCallbacks {
  onStart?: (job: ExecutorJob, slot: number) => void;
  onProgress?: (job: ExecutorJob, progress: RunProgress, slot: number) => void;
  /** Stores the record; awaited before the executor counts the run as done. */
  onResult: (job: ExecutorJob, record: RunRecord) => Promise<void>;
}

/** A run that could not be trained (a queued job that failed), with the reason. */
export interface RunFailure {
  id: string;
  reason: string;
}

export interface ExecutorInput {
  /** The runs still to train. */
  jobs: ExecutorJob[];
  /** Every run of the study, stored or not (identifies the study). */
  allIds: string[];
  data: RunData;
  signal?: AbortSignal;
  callbacks: ExecutorCallbacks;
}

/**
 * Trains a study's runs somewhere: in local worker threads by default, or as jobs on a queue. Resolves when
 * every run is done or failed, or `signal` stopped it, with the failures.
 */
export type RunExecutor = (input: ExecutorInput) => Promise<RunFailure[]>;
