// The Node entry: the browser-safe API plus what reads files or starts worker threads.
export * from './browser.js';
export { loadMnist, MnistFilesNotFoundError, type LoadMnistOptions } from './data/mnist-node.js';
export { sweep, type SweepOptions } from './experiments/sweep-node.js';
export { writeReport, type ReportPaths } from './experiments/report-node.js';
export { checkpointFile, loadCheckpointFile, saveCheckpointFile } from './checkpoint/checkpoint-file.js';
