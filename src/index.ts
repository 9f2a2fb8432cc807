// The Node entry: the browser-safe API plus what reads files or starts worker threads.
export * from './browser.js';
export { loadMnist, MnistFilesNotFoundError, type LoadMnistOptions } from './data/mnist-node.js';
export { study, sweep, type StudyOptions } from './experiments/study-node.js';
export { directoryRunStore, runId, type RunStore } from './experiments/run-store-node.js';
export { writeReport, writeTrainReport, type ReportPaths } from './experiments/report-node.js';
export { checkpointFile, loadCheckpointFile, saveCheckpointFile } from './checkpoint/checkpoint-file.js';
