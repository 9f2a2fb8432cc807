// What test/data-idx-fuzz.test.ts leaves out: hostile IDX content inside well-formed gzip streams, random
// bytes behind the gzip magic, parseIdx and parseIdxAsync agreeing on plain input (Uint8Array or
// ArrayBuffer), and huge declared sizes refused in bounded time and memory.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdxFormatError } from '../src/data/idx-format-error.js';
import { parseIdxAsync } from '../src/data/parse-idx-async.js';
import { type IdxTensor, parseIdx } from '../src/data/parse-idx.js';
import { expectIdxOutcomeAsync, idxBytes, idxMutation, mutateIdx, validIdx } from './helpers/idx-fuzz.js';

describe('parseIdxAsync on well-formed gzip streams holding hostile IDX', () => {
  it('flipped, truncated, huge dimensions, wrong ranks: a consistent tensor or IdxFormatError with an offset in the decompressed data', async () => {
    await fc.assert(fc.asyncProperty(validIdx, fc.array(idxMutation, { minLength: 1, maxLength: 3 }), async (original, mutations) => {
      const plain = mutateIdx(original, mutations);
      await expectIdxOutcomeAsync(plain.length, () => parseIdxAsync(new Uint8Array(gzipSync(plain))));
    }), { numRuns: 500 });
  });

  it('random bytes behind the gzip magic', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 80 }), async (rest) => {
      const bytes = Uint8Array.from([0x1f, 0x8b, ...rest]);
      await expect(parseIdxAsync(bytes)).rejects.toBeInstanceOf(IdxFormatError);
    }), { numRuns: 500 });
  });
});

describe('parseIdx and parseIdxAsync agree on plain input', () => {
  it('random and mutated bytes, as a Uint8Array at an odd offset or as an ArrayBuffer: the same tensor or the same IdxFormatError', async () => {
    const input = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.tuple(validIdx, fc.array(idxMutation, { maxLength: 3 })).map(([o, m]) => mutateIdx(o, m)));
    await fc.assert(fc.asyncProperty(input, fc.boolean(), async (plain, asBuffer) => {
      if (plain[0] === 0x1f && plain[1] === 0x8b) return;
      const shifted = new Uint8Array(plain.length + 1);
      shifted.set(plain, 1);
      const given = asBuffer ? plain.slice().buffer : shifted.subarray(1);
      const outcome = async (run: () => IdxTensor | Promise<IdxTensor>) => {
        try {
          const t = await run();
          return { type: t.type, dims: t.dims, data: Array.from(t.data as ArrayLike<number>) };
        } catch (error) {
          if (!(error instanceof IdxFormatError)) throw error;
          return { error: error.message, offset: error.offset };
        }
      };
      const sync = await outcome(() => parseIdx(given));
      expect(await outcome(() => parseIdxAsync(given))).toEqual(sync);
      await expectIdxOutcomeAsync(plain.length, () => parseIdx(given));
    }), { numRuns: 1500 });
  });
});

describe('huge declared sizes are refused in bounded time and memory', () => {
  const cases: [string, Uint8Array][] = [
    ['float64 of 2^31 − 1 × 2^31 − 1 × 2^31 − 1', idxBytes(0x0e, [0x7fffffff, 0x7fffffff, 0x7fffffff], 8)],
    ['uint8 of 2^31 − 1 × 2^31 − 1 with 16 bytes', idxBytes(0x08, [0x7fffffff, 0x7fffffff], 16)],
    ['int32 of 2^31 − 1 with 4 bytes', idxBytes(0x0c, [0x7fffffff], 4)],
    ['255 dimensions with a 12-byte file', idxBytes(0x08, [1, 1], 0).map((b, i) => (i === 3 ? 255 : b))],
  ];

  it.each(cases)('%s, plain and gzipped', async (_, plain) => {
    const before = process.memoryUsage().arrayBuffers;
    expect(() => parseIdx(plain)).toThrow(IdxFormatError);
    await expect(parseIdxAsync(new Uint8Array(gzipSync(plain)))).rejects.toBeInstanceOf(IdxFormatError);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
  });

  it('a gzip bomb (64 MB of zeros in 64 KB) stops at maxBytes without holding the rest', async () => {
    const bomb = new Uint8Array(gzipSync(new Uint8Array(64 << 20), { level: 9 }));
    expect(bomb.length).toBeLessThan(128 << 10);
    const before = process.memoryUsage().arrayBuffers;
    const error = await parseIdxAsync(bomb, { maxBytes: 1 << 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdxFormatError);
    expect((error as Error).message).toMatch(/more than 1048576 bytes/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 << 20);
  });
});
