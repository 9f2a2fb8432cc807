// Checkpoints as files, written atomically. They need Node at run time, but this module imports no node:
// module (it reaches them through process.getBuiltinModule), so a browser bundle may include it.
import type * as NodeFs from 'node:fs/promises';
import type * as NodePath from 'node:path';
import { CheckpointFormatError } from './checkpoint-format-error.js';
import { type LoadCheckpointOptions, loadCheckpoint, type LoadedCheckpoint } from './load-checkpoint.js';
import { type CheckpointInput, saveCheckpoint } from './save-checkpoint.js';

type FileHandle = {
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
};
/** The file operations `writeFileAtomic` uses (Node's, or stand-ins that fail on purpose in tests). */
export interface AtomicWriteFs {
  open(path: string, flags: string): Promise<FileHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

/**
 * Node's fs/promises and path, reached at run time; `what` (e.g. 'saveCheckpointFile') throws an Error
 * saying it needs Node where there is no process.getBuiltinModule (browsers, Node before 20.16).
 */
export function nodeModules(what: string): { fs: typeof NodeFs; path: typeof NodePath } {
  const node = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof node?.getBuiltinModule !== 'function') {
    throw new Error(`${what} needs Node (≥ 20.16, for process.getBuiltinModule); elsewhere, use saveCheckpoint and loadCheckpoint on bytes`);
  }
  return { fs: node.getBuiltinModule('node:fs/promises') as typeof NodeFs, path: node.getBuiltinModule('node:path') as typeof NodePath };
}

/**
 * Writes `bytes` to `path` so that a crash at any moment leaves either the old file or the new one:
 * a temporary file in the same folder, written in full and fsynced, renamed over `path` (atomic within a
 * file system), then the folder fsynced so the rename itself survives a power loss. On an error the
 * temporary file is removed; after a kill it may remain, named `.<name>.<pid>-<random>.tmp`.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, fs?: AtomicWriteFs): Promise<void> {
  const node = nodeModules('writeFileAtomic');
  fs ??= node.fs;
  const { basename, dirname, join } = node.path;
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
  const file = await fs.open(temporary, 'wx');
  try {
    await syncAndClose(file, async () => {
      for (let done = 0; done < bytes.length;) done += (await file.write(bytes, done, bytes.length - done, done)).bytesWritten;
    });
    await fs.rename(temporary, path);
  } catch (error) {
    await fs.unlink(temporary).catch(() => {});
    throw error;
  }
  // Windows cannot open a folder as a file; its rename is durable once it returns.
  if (process.platform !== 'win32') await syncAndClose(await fs.open(dirname(path), 'r'));
}

/** Runs `write`, then fsyncs `file`; closes it either way. */
async function syncAndClose(file: FileHandle, write?: () => Promise<void>): Promise<void> {
  try {
    await write?.();
    await file.sync();
  } finally {
    await file.close();
  }
}

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
    throw error instanceof CheckpointFormatError ? error.inFile(path) : error;
  }
}
