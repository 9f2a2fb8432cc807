// Node-only: the entry of one run worker thread (bundled as dist/sweep-worker.js). It trains the runs it is
// sent, one at a time, each on its own engine, posting progress while it trains and then the record.
import { parentPort, workerData } from 'node:worker_threads';
import { loadCheckpointFile, saveCheckpointFile } from '../checkpoint/checkpoint-file.js';
import { runSetting, type SingleRunFiles } from './run-setting.js';
import type { WorkerJob, WorkerMessage, WorkerSetup } from './worker-protocol.js';

const { data } = workerData as WorkerSetup;
const post = (message: WorkerMessage) => parentPort!.postMessage(message);

parentPort!.on('message', async (job: WorkerJob) => {
  const files: SingleRunFiles = {
    checkpoint: job.checkpoint && { ...job.checkpoint, save: saveCheckpointFile },
    resume: job.resume === undefined ? undefined : { path: job.resume, load: loadCheckpointFile },
  };
  const record = await runSetting(job.config, data, {
    threads: job.threads, onProgress: (progress) => post({ type: 'progress', progress }), files,
  });
  post({ type: 'result', record: record! });
});
