import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdxFormatError } from '../src/data/idx-format-error.js';
import { parseIdxAsync } from '../src/data/parse-idx-async.js';
import { parseIdx, type IdxTensor } from '../src/data/parse-idx.js';
import { expectConsistentTensor, expectIdxOutcome, IDX_TYPE_CODES, idxMutation, mutateIdx, validIdx } from './helpers/idx-fuzz.js';

describe('parseIdx under fuzzing gives a consistent tensor or IdxFormatError, never anything else', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => expectIdxOutcome(bytes.length, () => parseIdx(bytes))), { numRuns: 3000 });
  });

  it('random bytes behind a plausible magic', () => {
    const plausible = fc.tuple(fc.constantFrom(...IDX_TYPE_CODES, 0x00, 0x0a), fc.nat({ max: 6 }), fc.uint8Array({ maxLength: 80 }))
      .map(([code, rank, rest]) => Uint8Array.from([0, 0, code, rank, ...rest]));
    fc.assert(fc.property(plausible, (bytes) => expectIdxOutcome(bytes.length, () => parseIdx(bytes))), { numRuns: 3000 });
  });

  it('valid files with flipped bits, truncations, huge declared sizes and trailing bytes', () => {
    fc.assert(fc.property(validIdx, fc.array(idxMutation, { minLength: 1, maxLength: 4 }), (original, mutations) => {
      const bytes = mutateIdx(original, mutations);
      expectIdxOutcome(bytes.length, () => parseIdx(bytes));
    }), { numRuns: 5000 });
  });

  it('valid files parse', () => {
    fc.assert(fc.property(validIdx, (bytes) => expectConsistentTensor(bytes.length, parseIdx(bytes))), { numRuns: 500 });
  });
});

describe('parseIdxAsync under fuzzing of gzip input', () => {
  it('mutated gzip streams give a consistent tensor or IdxFormatError', async () => {
    await fc.assert(fc.asyncProperty(validIdx, fc.array(idxMutation, { minLength: 1, maxLength: 3 }), async (original, mutations) => {
      const bytes = mutateIdx(new Uint8Array(gzipSync(original)), mutations);
      let tensor: IdxTensor;
      try {
        tensor = await parseIdxAsync(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(IdxFormatError);
        return;
      }
      expect(tensor.data.length).toBe(tensor.dims.reduce((a, b) => a * b));
    }), { numRuns: 400 });
  });
});
