// Hostile checkpoint bytes — random, truncated, bit-flipped, with huge declared header lengths, offsets and
// shapes — give a load that matches the file or a CheckpointFormatError that changed nothing; never another
// error, a hang, or an allocation of the sizes a corrupt header claims.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CheckpointFormatError } from '../src/checkpoint/checkpoint-format-error.js';
import { loadCheckpoint, readCheckpointInfo } from '../src/checkpoint/load-checkpoint.js';
import { saveCheckpoint } from '../src/checkpoint/save-checkpoint.js';
import { createEngine } from '../src/engine/index.js';
import { linear, relu } from '../src/nn/layers.js';
import { sequential } from '../src/nn/sequential.js';
import { SGD } from '../src/optim/sgd.js';

const engine = await createEngine({ backend: 'js' });
const model = sequential(engine, [linear(5, 3), relu(), linear(3, 2)], { seed: 1, maxBatch: 2 });
const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
for (const p of model.parameters()) p.grad.forEach((_, i) => (p.grad[i] = Math.sin(i + p.size)));
optimizer.step();
const valid = saveCheckpoint({
  model, optimizer,
  history: { steps: [{ step: 0, loss: 2.3, lr: 0.1, momentum: 0.9 }], epochs: [], diverged: false },
  progress: { epoch: 1, batch: 1, lossSum: 4.6, correct: 1, seen: 2, order: { count: 10, batchSize: 2, seed: 0, shuffle: true, dropLast: false } },
});
const headerLength = Number(new DataView(valid.buffer).getBigUint64(0, true));
const headerText = new TextDecoder().decode(valid.subarray(8, 8 + headerLength));
const baseline = loadCheckpoint(valid, { model, optimizer });

const bits = () => model.parameters().map((p) => Array.from(new Uint32Array(p.data.slice().buffer)));
const snapshot = () => ({ bits: bits(), state: optimizer.state() });
/** Loads `bytes`: either the model then holds exactly the file's tensors, or a CheckpointFormatError left everything as it was. */
function checkOutcome(bytes: Uint8Array): void {
  const before = snapshot();
  let error: unknown;
  try {
    loadCheckpoint(bytes, { model, optimizer });
  } catch (e) {
    error = e;
  }
  if (error !== undefined) {
    if (!(error instanceof CheckpointFormatError)) throw error;
    expect(error.name).toBe('CheckpointFormatError');
    expect(error.message.length).toBeGreaterThan(0);
    expect(snapshot()).toEqual(before);
    try {
      readCheckpointInfo(bytes);
    } catch (e) {
      if (!(e instanceof CheckpointFormatError)) throw e;
    }
    return;
  }
  // A load that succeeded (e.g. a flipped bit inside the data): the weights are the file's, bit for bit.
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  for (const p of model.parameters()) {
    const [begin, end] = header[p.name].data_offsets as [number, number];
    const stored = new Uint32Array(bytes.slice(8 + n + begin, 8 + n + end).buffer);
    expect(Array.from(new Uint32Array(p.data.slice().buffer))).toEqual(Array.from(stored));
  }
  loadCheckpoint(valid, { model, optimizer });
}

function withHeader(text: string, data: Uint8Array, declared?: bigint): Uint8Array<ArrayBuffer> {
  const json = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}
const data = valid.slice(8 + headerLength);

const hugeNumber = fc.oneof(
  fc.constantFrom(-1, 0, 1, 3, 4, 2 ** 31, 2 ** 32, 2 ** 32 + 4, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 1e308, 0.5, -0),
  fc.integer({ min: -10, max: 10_000 }),
  fc.double(),
);

type Mutation =
  | { kind: 'flip'; at: number; bit: number; inHeader: boolean }
  | { kind: 'truncate'; at: number }
  | { kind: 'length'; value: bigint }
  | { kind: 'splice'; at: number; remove: number; insert: number[] }
  | { kind: 'number'; which: number; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }), inHeader: fc.boolean() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('length' as const),
    value: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constantFrom(0n, 1n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n, 100_000_001n),
      fc.bigInt({ min: 0n, max: BigInt(valid.length) })),
  }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), remove: fc.nat({ max: 16 }), insert: fc.array(fc.nat({ max: 255 }), { maxLength: 16 }) }),
  fc.record({ kind: fc.constant('number' as const), which: fc.nat(), value: hugeNumber }),
);

/** Applies mutations; a 'number' one replaces the which-th number of the header JSON (shapes, offsets, lengths in metadata). */
function mutate(mutations: Mutation[]): Uint8Array {
  let bytes: Uint8Array<ArrayBuffer> = valid.slice();
  for (const m of mutations) {
    if (bytes.length === 0) break;
    if (m.kind === 'flip') {
      const n = bytes.length >= 8 ? Number(new DataView(bytes.buffer).getBigUint64(0, true)) : Infinity;
      const span = m.inHeader ? Math.min(bytes.length, 8 + n) : bytes.length;
      bytes[m.at % span]! ^= 1 << m.bit;
    } else if (m.kind === 'truncate') {
      bytes = bytes.slice(0, m.at % bytes.length);
    } else if (m.kind === 'length') {
      if (bytes.length >= 8) new DataView(bytes.buffer).setBigUint64(0, m.value, true);
    } else if (m.kind === 'splice') {
      const at = m.at % bytes.length;
      bytes = Uint8Array.from([...bytes.subarray(0, at), ...m.insert, ...bytes.subarray(at + m.remove)]);
    } else {
      let i = 0;
      const replaced = headerText.replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/g, (match) => (i++ === m.which % 200 ? String(m.value) : match));
      bytes = withHeader(replaced, data);
    }
  }
  return bytes;
}

describe('loadCheckpoint under fuzzing gives a faithful load or a CheckpointFormatError that changed nothing', () => {
  it('the unmutated file loads', () => {
    checkOutcome(valid);
    expect(baseline.step).toBe(1);
  });

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), checkOutcome), { numRuns: 2000 });
  });

  it('random bytes behind a header length that fits the file and a {', () => {
    const plausible = fc.uint8Array({ maxLength: 300 }).chain((rest) => fc.nat({ max: rest.length }).map((n) => {
      const out = new Uint8Array(9 + rest.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(n + 1), true);
      out[8] = 0x7b;
      out.set(rest, 9);
      return out;
    }));
    fc.assert(fc.property(plausible, checkOutcome), { numRuns: 2000 });
  });

  it('random JSON headers: tensors of any dtype, shape and offsets, any metadata', () => {
    const entry = fc.record({
      dtype: fc.constantFrom('F32', 'F32', 'F16', 'I64', 'x'),
      shape: fc.array(hugeNumber, { maxLength: 4 }),
      data_offsets: fc.oneof(fc.tuple(hugeNumber, hugeNumber), fc.array(hugeNumber, { maxLength: 3 })),
    }, { requiredKeys: [] });
    const names = fc.constantFrom('0.weight', '0.bias', '2.weight', '2.bias', 'optimizer.momentum_buffer.0.bias', '__proto__', 'constructor', '', 'x');
    const header = fc.tuple(fc.dictionary(names, fc.oneof(entry, fc.jsonValue()), { maxKeys: 6 }),
      fc.option(fc.dictionary(fc.constantFrom('heavyball.step', 'heavyball.version', 'heavyball.history', 'heavyball.optimizer',
        'heavyball.architecture', 'heavyball.progress', 'format'), fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))))));
    fc.assert(fc.property(header, fc.nat({ max: data.length }), ([tensors, metadata], cut) => {
      const text = JSON.stringify(metadata === null ? tensors : { __metadata__: metadata, ...tensors });
      checkOutcome(withHeader(text, data.subarray(0, cut)));
    }), { numRuns: 2000 });
  });

  it('the valid file flipped, truncated, spliced, with huge header lengths, shapes and offsets', () => {
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => checkOutcome(mutate(mutations))), { numRuns: 4000 });
  });
});

describe('claims of huge sizes are refused without allocating them', () => {
  const entries = (shape: number[], offsets: number[]) => JSON.stringify({ '0.weight': { dtype: 'F32', shape, data_offsets: offsets } });
  it.each([
    ['a 2^63-byte header', withHeader(headerText, data, 2n ** 63n)],
    ['a 99 MB header in a small file', withHeader(headerText, data, 99_000_000n)],
    ['a 4 GiB tensor', withHeader(entries([2 ** 15, 2 ** 15], [0, 2 ** 32]), data)],
    ['a tensor of 2^78 floats', withHeader(entries([2 ** 26, 2 ** 26, 2 ** 26], [0, 16]), data)],
    ['offsets at 2^53 − 1', withHeader(entries([4], [2 ** 53 - 17, 2 ** 53 - 1]), data)],
  ])('%s', (_, bytes) => {
    const before = process.memoryUsage().arrayBuffers;
    expect(() => loadCheckpoint(bytes, { model, optimizer })).toThrow(CheckpointFormatError);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
  });
});
