// The browser-safe checkpoint API; saveCheckpointFile and loadCheckpointFile are in ./checkpoint-file.js.
export { CheckpointFormatError } from './checkpoint-format-error.js';
export { saveCheckpoint, type CheckpointInput } from './save-checkpoint.js';
export { loadCheckpoint, readCheckpointInfo, type LoadCheckpointOptions, type LoadedCheckpoint } from './load-checkpoint.js';
export type { Architecture, CheckpointInfo, OptimizerRecord } from './metadata.js';
