// Node-only: the entry of one sweep worker thread (bundled as dist/sweep-worker.js). It trains the one
// setting it is given on its own engine, posts progress while it trains, then the result.
import { parentPort, workerData } from 'node:worker_threads';
import { loadCheckpointFile, saveCheckpointFile } from '../checkpoint/checkpoint-file.js';
import { runSetting } from './run-setting.js';
import type { WorkerJob, WorkerMessage } from './worker-protocol.js';

const job = workerData as WorkerJob;
const post = (message: WorkerMessage) => parentPort!.postMessage(message);
const result = await runSetting(job.config, job.data, {
  onProgress: (progress) => post({ type: 'progress', progress }),
  checkpointFiles: { load: loadCheckpointFile, save: saveCheckpointFile },
});
post({ type: 'result', result: result! });
