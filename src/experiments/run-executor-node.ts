// Node-only: the default executor, the study's runs in worker threads on this machine.
import type { RunExecutor } from './run-executor.js';
import { runJobs } from './worker-pool-node.js';
import { sweepWorkerUrl } from './worker-script-node.js';

/** Trains `workers` runs at once here, each on `threads` threads; a run that throws stops the study (rejects). */
export function localExecutor(workers: number, threads: number): RunExecutor {
  return async ({ jobs, data, signal, callbacks }) => {
    const byConfig = new Map(jobs.map((job) => [job.config, job]));
    await runJobs(await sweepWorkerUrl(), data, jobs.map((job) => ({ config: job.config, threads })), workers, signal, {
      onStart: (job, slot) => callbacks.onStart?.(byConfig.get(job.config)!, slot),
      onProgress: (job, progress, slot) => callbacks.onProgress?.(byConfig.get(job.config)!, progress, slot),
      onResult: (job, record) => callbacks.onResult(byConfig.get(job.config)!, record),
    });
    return [];
  };
}
