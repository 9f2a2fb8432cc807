// Checkpoints as files, written atomically (Node only, but a browser bundle may include this module).
import { nodeModules, writeFileAtomic } from '../write-file-atomic.js';
import { CheckpointFormatError } from './checkpoint-format-error.js';
import { type LoadCheckpointOptions, loadCheckpoint, type LoadedCheckpoint } from './load-checkpoint.js';
import { type CheckpointInput, saveCheckpoint } from './save-checkpoint.js';

/** `saveCheckpoint` to a file, atomically: a crash mid-save leaves the previous checkpoint intact. */
export async function saveCheckpointFile(path: string, input: CheckpointInput): Promise<void> {
  nodeModules('saveCheckpointFile');
  // Encoded before the first await, so the checkpoint is of this moment even if training goes on meanwhile.
  const bytes = saveCheckpoint(input);
  await writeFileAtomic(path, bytes);
}

/**
 * fit's `checkpoint.save` for a file: `fit(model, optimizer, train, { checkpoint: { every: 500, save:
 * checkpointFile('run.safetensors') } })` replaces the file atomically with each checkpoint. Checks the
 * path, and that this is Node, when called (before training), not at the first save.
 */
export function checkpointFile(path: string): (input: CheckpointInput) => Promise<void> {
  if (typeof path !== 'string' || path === '') throw new TypeError(`checkpoint path must be a non-empty string, got ${JSON.stringify(path)}`);
  nodeModules('checkpointFile');
  return (input) => saveCheckpointFile(path, input);
}

/** `loadCheckpoint` from a file; errors name the file. */
export async function loadCheckpointFile(path: string, options: LoadCheckpointOptions): Promise<LoadedCheckpoint> {
  const bytes = await nodeModules('loadCheckpointFile').fs.readFile(path);
  try {
    return loadCheckpoint(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), options);
  } catch (error) {
    if (!(error instanceof CheckpointFormatError)) throw error;
    throw new CheckpointFormatError(error.problem, error.tensor, { cause: error.cause, file: path });
  }
}
