import { IdxFormatError } from './idx-format-error.js';

/** Default ceiling on decompressed size: MNIST's largest file is 47 MB; a gzip bomb stops here. */
export const DEFAULT_MAX_GUNZIP_BYTES = 1 << 30;

export interface GunzipOptions {
  /** Stop with an IdxFormatError once the output would exceed this many bytes. */
  maxBytes?: number;
}

/**
 * Decompresses gzip bytes with the platform's `DecompressionStream` (Node ≥ 18 and every current
 * browser). A corrupt, truncated or oversized stream rejects with `IdxFormatError`.
 */
export async function gunzip(bytes: Uint8Array, options: GunzipOptions = {}): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_GUNZIP_BYTES;
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
        throw new IdxFormatError(`the gzip stream starting at byte 0 decompresses to more than ${maxBytes} bytes (the maxBytes limit)`, 0);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof IdxFormatError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new IdxFormatError(`corrupt gzip stream starting at byte 0 (${bytes.length} bytes): ${reason}`, 0, undefined, { cause: error });
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
