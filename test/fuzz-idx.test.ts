// What test/data-idx-fuzz.test.ts leaves out: hostile IDX content inside well-formed gzip streams, random
// bytes behind the gzip magic, parseIdx and parseIdxAsync agreeing on plain input (Uint8Array or
// ArrayBuffer), and huge declared sizes refused in bounded time and memory.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdxFormatError } from '../src/data/idx-format-error.js';
import { parseIdxAsync } from '../src/data/parse-idx-async.js';
import { type IdxTensor, parseIdx } from '../src/data/parse-idx.js';

const SIZES: Record<number, number> = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };

function idx(code: number, dims: number[], dataBytes: number): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length + dataBytes);
  const view = new DataView(bytes.buffer);
  view.setUint8(2, code);
  view.setUint8(3, dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  for (let i = 4 + 4 * dims.length; i < bytes.length; i++) bytes[i] = (i * 131) & 0xff;
  return bytes;
}

const validIdx = fc.record({
  code: fc.constantFrom(...Object.keys(SIZES).map(Number)),
  dims: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
}).map(({ code, dims }) => idx(code, dims, dims.reduce((a, b) => a * b) * SIZES[code]!));

const hugeDimension = fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 20), fc.nat({ max: 0xffffffff }));

/** Hostile edits of the plain IDX bytes (before compression). */
const plainMutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dimension' as const), index: fc.nat(), value: hugeDimension }),
  fc.record({ kind: fc.constant('rank' as const), value: fc.nat({ max: 255 }) }),
);
type PlainMutation = typeof plainMutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(original: Uint8Array, mutations: PlainMutation[]): Uint8Array {
  let bytes = original.slice();
  for (const m of mutations) {
    if (bytes.length === 0) break;
    if (m.kind === 'flip') bytes[m.at % bytes.length]! ^= 1 << m.bit;
    else if (m.kind === 'truncate') bytes = bytes.slice(0, m.at % bytes.length);
    else if (m.kind === 'rank') {
      if (bytes.length > 3) bytes[3] = m.value;
    } else {
      const at = 4 + 4 * (m.index % Math.max(1, bytes[3] ?? 1));
      if (at + 4 <= bytes.length) new DataView(bytes.buffer).setUint32(at, m.value);
    }
  }
  return bytes;
}

/** A tensor consistent with `plainLength` bytes of IDX, or an IdxFormatError pointing inside them; nothing else. */
async function checkOutcome(plainLength: number, run: () => IdxTensor | Promise<IdxTensor>): Promise<void> {
  let tensor: IdxTensor;
  try {
    tensor = await run();
  } catch (error) {
    if (!(error instanceof IdxFormatError)) throw error;
    expect(error.name).toBe('IdxFormatError');
    expect(Number.isInteger(error.offset) && error.offset >= 0 && error.offset <= plainLength).toBe(true);
    return;
  }
  const count = tensor.dims.reduce((a, b) => a * b);
  expect(tensor.data.length).toBe(count);
  expect(4 + 4 * tensor.dims.length + count * tensor.data.BYTES_PER_ELEMENT).toBe(plainLength);
}

describe('parseIdxAsync on well-formed gzip streams holding hostile IDX', () => {
  it('flipped, truncated, huge dimensions, wrong ranks: a consistent tensor or IdxFormatError with an offset in the decompressed data', async () => {
    await fc.assert(fc.asyncProperty(validIdx, fc.array(plainMutation, { minLength: 1, maxLength: 3 }), async (original, mutations) => {
      const plain = mutate(original, mutations);
      await checkOutcome(plain.length, () => parseIdxAsync(new Uint8Array(gzipSync(plain))));
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
    const input = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.tuple(validIdx, fc.array(plainMutation, { maxLength: 3 })).map(([o, m]) => mutate(o, m)));
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
      await checkOutcome(plain.length, () => parseIdx(given));
    }), { numRuns: 1500 });
  });
});

describe('huge declared sizes are refused in bounded time and memory', () => {
  const cases: [string, Uint8Array][] = [
    ['float64 of 2^31 − 1 × 2^31 − 1 × 2^31 − 1', idx(0x0e, [0x7fffffff, 0x7fffffff, 0x7fffffff], 8)],
    ['uint8 of 2^31 − 1 × 2^31 − 1 with 16 bytes', idx(0x08, [0x7fffffff, 0x7fffffff], 16)],
    ['int32 of 2^31 − 1 with 4 bytes', idx(0x0c, [0x7fffffff], 4)],
    ['255 dimensions with a 12-byte file', idx(0x08, [1, 1], 0).map((b, i) => (i === 3 ? 255 : b))],
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
