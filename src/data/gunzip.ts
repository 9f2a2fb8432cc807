import { IdxFormatError } from './idx-format-error.js';

/** Default ceiling on decompressed size: MNIST's largest file is 47 MB; a gzip bomb stops here. */
export const DEFAULT_MAX_GUNZIP_BYTES = 1 << 30;

export interface GunzipOptions {
  /** Stop with an IdxFormatError once the output would exceed this many bytes. */
  maxBytes?: number;
}

/**
 * Decompresses gzip bytes: with Node's zlib in Node, which reads every member of a file of several, as
 * gzip(1) does (Node 24's DecompressionStream stops with an error after the first), elsewhere with the
 * platform's `DecompressionStream` (every current browser). A corrupt, truncated or oversized stream
 * rejects with `IdxFormatError`.
 */
export async function gunzip(bytes: Uint8Array, options: GunzipOptions = {}): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_GUNZIP_BYTES;
  const zlib = nodeZlib();
  return zlib ? gunzipWithZlib(zlib, bytes, maxBytes) : gunzipWithStream(bytes, maxBytes);
}

interface Zlib {
  gunzip(bytes: Uint8Array, options: { maxOutputLength: number }, done: (error: Error | null, result: Uint8Array) => void): void;
}

/** node:zlib, reached without an import a browser bundle would trip on. */
function nodeZlib(): Zlib | undefined {
  const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  return getBuiltinModule?.('node:zlib') as Zlib | undefined;
}

const tooLarge = (maxBytes: number) =>
  new IdxFormatError(`the gzip stream starting at byte 0 decompresses to more than ${maxBytes} bytes (the maxBytes limit)`, 0);
const corrupt = (bytes: Uint8Array, error: unknown) => new IdxFormatError(
  `corrupt gzip stream starting at byte 0 (${bytes.length} bytes): ${error instanceof Error ? error.message : String(error)}`,
  0, undefined, { cause: error });

/** zlib stops once the output would pass maxOutputLength, without holding the rest. */
export function gunzipWithZlib(zlib: Zlib, bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    zlib.gunzip(bytes, { maxOutputLength: Math.max(1, maxBytes) }, (error, result) => {
      if ((error as { code?: string } | null)?.code === 'ERR_BUFFER_TOO_LARGE' || (!error && result.length > maxBytes)) reject(tooLarge(maxBytes));
      else if (error) reject(corrupt(bytes, error));
      else resolve(new Uint8Array(result.buffer, result.byteOffset, result.length));
    });
  });
}

export async function gunzipWithStream(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  if (typeof DecompressionStream !== 'function') {
    throw new Error('gzip input needs DecompressionStream, which this JavaScript environment lacks; decompress the file first');
  }
  const stream = new DecompressionStream('gzip');
  const writer = stream.writable.getWriter();
  // A write error also errors the readable side, where it is reported.
  writer.write(bytes as Uint8Array<ArrayBuffer>).then(() => writer.close()).catch(() => {});
  const reader = stream.readable.getReader();

  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        void reader.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof IdxFormatError) throw error;
    throw corrupt(bytes, error);
  }
  return concat(chunks, total);
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
