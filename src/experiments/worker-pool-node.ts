// Node-only: runs jobs in worker threads that stay up between jobs (one engine per run, one thread per slot).
import { Worker } from 'node:worker_threads';
import type { Dataset } from '../data/dataset.js';
import type { RunData } from './run-setting.js';
import type { RunProgress, RunRecord } from './types.js';
import type { WorkerJob, WorkerMessage, WorkerSetup } from './worker-protocol.js';

export interface PoolCallbacks {
  onStart?: (job: WorkerJob, slot: number) => void;
  onProgress?: (job: WorkerJob, progress: RunProgress, slot: number) => void;
  /** Awaited before the slot takes its next job. */
  onResult?: (job: WorkerJob, record: RunRecord, slot: number) => Promise<void> | void;
}

/**
 * Trains `jobs` on `slots` worker threads started from `url`, each job as soon as a slot is free. Resolves
 * when all are done or `signal` stopped them (workers are terminated, unfinished jobs dropped); rejects on
 * the first job that fails (stopping the others).
 */
export async function runJobs(
  url: URL, data: RunData, jobs: readonly WorkerJob[], slots: number, signal: AbortSignal | undefined, callbacks: PoolCallbacks,
): Promise<void> {
  const queue = [...jobs];
  const stop = new AbortController();
  const abort = () => stop.abort();
  if (signal?.aborted) abort();
  signal?.addEventListener('abort', abort, { once: true });
  const setup: WorkerSetup = { data: { train: shared(data.train), validation: shared(data.validation), test: shared(data.test) } };
  const slot = async (index: number) => {
    let worker: Worker | undefined;
    try {
      for (let job = queue.shift(); job && !stop.signal.aborted; job = queue.shift()) {
        worker ??= new Worker(url, { workerData: setup });
        callbacks.onStart?.(job, index);
        const record = await runOne(worker, job, stop.signal, (p) => callbacks.onProgress?.(job!, p, index));
        if (record) await callbacks.onResult?.(job, record, index);
      }
    } finally {
      await worker?.terminate();
    }
  };
  const running = Array.from({ length: Math.min(slots, jobs.length) }, (_, i) => slot(i));
  try {
    await Promise.all(running);
  } catch (error) {
    abort();
    await Promise.allSettled(running);
    throw error;
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}

/** One job on `worker`: its record, or null when `signal` stopped it first. */
export function runOne(worker: Worker, job: WorkerJob, signal: AbortSignal, onProgress: (p: RunProgress) => void): Promise<RunRecord | null> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return resolve(null);
    const name = `the run with momentum ${job.config.momentum}, lr ${job.config.lr}, seed ${job.config.seed}`;
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      signal.removeEventListener('abort', onAbort);
    };
    const onMessage = (message: WorkerMessage) => {
      if (message.type === 'progress') return onProgress(message.progress);
      cleanup();
      resolve(message.record);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new Error(`${name} failed: ${error.message}`, { cause: error }));
    };
    const onExit = (code: number) => {
      cleanup();
      if (signal.aborted) resolve(null);
      else reject(new Error(`the worker of ${name} exited with code ${code}`));
    };
    const onAbort = () => {
      cleanup();
      void worker.terminate();
      resolve(null);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    signal.addEventListener('abort', onAbort, { once: true });
    worker.postMessage(job);
  });
}

/** The dataset with its arrays in shared memory, so every worker reads the same bytes without a copy. */
export function shared(dataset: Dataset): Dataset {
  const copy = (array: Uint8Array) => {
    if (array.buffer instanceof SharedArrayBuffer) return array;
    const out = new Uint8Array(new SharedArrayBuffer(array.length));
    out.set(array);
    return out;
  };
  return { ...dataset, images: copy(dataset.images), labels: copy(dataset.labels) };
}
