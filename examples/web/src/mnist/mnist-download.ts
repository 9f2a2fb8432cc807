// The page downloads MNIST once, gzipped (about 11 MB rather than 47), and hands the bytes to every
// training worker: workers fetching the files themselves would download them once each, all at once.
import { MNIST_FILES } from 'heavyball';

export type MnistFile = keyof typeof MNIST_FILES;
/** The four files, gzipped, as served. */
export type MnistBytes = Record<MnistFile, Uint8Array>;

/** The pauses before the second and third tries of a failed fetch. */
export const RETRY_DELAYS_MS = [500, 2000];

export class MnistDownloadError extends Error {
  constructor(readonly url: string, readonly reason: string) {
    super(`Could not download ${url} (${reason}; tried ${RETRY_DELAYS_MS.length + 1} times). `
      + 'Check the connection, then press Train again.');
    this.name = 'MnistDownloadError';
  }
}

/** Fetches `<baseUrl><name>.gz` for each of the four MNIST files, retrying each failed fetch. */
export async function downloadMnist(baseUrl: string): Promise<MnistBytes> {
  const files = Object.entries(MNIST_FILES) as [MnistFile, string][];
  const bytes = await Promise.all(files.map(([, name]) => fetchWithRetries(new URL(`${name}.gz`, baseUrl).href)));
  return Object.fromEntries(files.map(([file], i) => [file, bytes[i]!])) as MnistBytes;
}

async function fetchWithRetries(url: string): Promise<Uint8Array> {
  let reason = '';
  for (const delay of [0, ...RETRY_DELAYS_MS]) {
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      const response = await fetch(url);
      // A development server answers a path it does not have with its index page.
      const isPage = (response.headers.get('content-type') ?? '').startsWith('text/html');
      if (response.ok && !isPage) return new Uint8Array(await response.arrayBuffer());
      reason = isPage ? 'the server answered with an HTML page' : `HTTP ${response.status}`;
      await response.body?.cancel();
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
  }
  throw new MnistDownloadError(url, reason);
}
