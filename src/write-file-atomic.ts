// Files replaced in one step, so that a crash or a kill never leaves half of one: checkpoints, the run
// store, reports. They need Node at run time, but this module imports no node: module (it reaches them
// through process.getBuiltinModule), so a browser bundle may include it.
import type * as NodeFs from 'node:fs/promises';
import type * as NodePath from 'node:path';

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

/** `text` as UTF-8, atomically, creating the folder. */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  const { fs, path: { dirname } } = nodeModules('writeTextAtomic');
  await fs.mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, new TextEncoder().encode(text));
}
