import { gunzip, type GunzipOptions } from './gunzip.js';
import { IdxFormatError } from './idx-format-error.js';
import { isGzip, parseIdx, type IdxTensor } from './parse-idx.js';

/** `parseIdx` that also accepts gzip-compressed IDX (magic 1f 8b), decompressed with `DecompressionStream`. */
export async function parseIdxAsync(input: Uint8Array | ArrayBuffer, options: GunzipOptions = {}): Promise<IdxTensor> {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (!isGzip(bytes)) return parseIdx(bytes);
  const plain = await gunzip(bytes, options);
  try {
    return parseIdx(plain);
  } catch (error) {
    if (!(error instanceof IdxFormatError)) throw error;
    throw new IdxFormatError(`${error.message} (offset in the decompressed data)`, error.offset, undefined, { cause: error });
  }
}
