// A ResidentDataset: the images copied once into the engine, gathered and scaled there by a kernel. A batch
// gathered from it holds what the same batch gathered from the dataset holds, on any engine and thread
// count; bad input is a typed error; fit, on threads, trains from one, frees it, and trains from the
// dataset itself when the copy does not fit in the engine's memory, to the same bits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../src/data/dataset.js';
import { loadMnist } from '../src/data/mnist-node.js';
import { createEngine, type Engine } from '../src/engine/index.js';
import { Batch, gatherSource, linear, relu, ResidentDataset, type Sequential, sequential } from '../src/nn/index.js';
import { SGD } from '../src/optim/sgd.js';
import { fit } from '../src/train/fit.js';

let train: Dataset;
const engines: Engine[] = [];
beforeAll(async () => {
  ({ train } = await loadMnist({ limit: 1000 }));
  for (const options of [{ backend: 'js' as const }, { threads: 1 }, { threads: 2 }, { threads: 3 }]) engines.push(await createEngine(options));
});
afterAll(() => engines.forEach((e) => e.dispose()));

const order = Uint32Array.from({ length: 1000 }, (_, i) => (i * 389 + 7) % 1000);

describe('ResidentDataset', () => {
  it('a batch gathered from it holds the inputs and labels of one gathered from the dataset, on every engine', () => {
    for (const engine of engines) {
      const [plain, resident] = [new Batch(engine, [28, 28], 128), new Batch(engine, [28, 28], 128)];
      const copy = ResidentDataset.copy(engine, train);
      for (const [start, end] of [[0, 128], [128, 221], [999, 1000]] as const) {
        expect(resident.gather(copy, order, start, end)).toBe(end - start);
        plain.gather(train, order, start, end);
        const rows = (end - start) * 784;
        const bytes = (b: Batch) => Buffer.from(b.inputValues.buffer, b.inputValues.byteOffset, rows * 4);
        expect(bytes(resident).equals(bytes(plain)), `${engine.backend} ${engine.threads} thread(s), rows ${start}–${end}`).toBe(true);
        expect(resident.rows).toBe(end - start);
        expect(resident.stagedLabels.subarray(0, end - start)).toEqual(Uint8Array.from(order.subarray(start, end), (i) => train.labels[i]!));
        expect(resident.inputValues[rows - 1]).toBe(Math.fround(train.images[order[end - 1]! * 784 + 783]! / 255));
      }
      copy.dispose();
      plain.dispose();
      resident.dispose();
    }
  });

  it('bad input is a typed error naming what is wrong, and the batch keeps what it held', async () => {
    const engine = engines[1]!;
    const batch = new Batch(engine, [28, 28], 64);
    const copy = ResidentDataset.copy(engine, train);
    batch.gather(copy, order, 0, 64);
    const held = batch.inputValues.slice();
    expect(() => batch.gather(copy, [0, 5, 1000], 0, 3)).toThrow(/index 1000 at position 2 is outside 0-999/);
    expect(() => batch.gather(copy, order, 10, 5)).toThrow(RangeError);
    expect(() => batch.gather(copy, order, 0, 65)).toThrow(/1 to maxBatch = 64 rows, got 65/);
    expect(() => new Batch(engine, [7, 7], 4).gather(copy, order, 0, 4)).toThrow(/images have 784 values, the batch's rows 49/);
    const other = await createEngine();
    expect(() => new Batch(other, [28, 28], 4).gather(copy, order, 0, 4)).toThrow(/another engine/);
    other.dispose();
    expect(batch.inputValues).toEqual(held);
    expect(batch.rows).toBe(64);
    copy.dispose();
    expect(() => batch.gather(copy, order, 0, 4)).toThrow(/disposed/);
    expect(() => ResidentDataset.copy(engine, { ...train, count: 3 })).toThrow(/train|images has/);
    batch.dispose();
  });

  const model = (engine: Engine) => {
    const m = sequential(engine, [linear(784, 32), relu(), linear(32, 10)], { seed: 4, maxBatch: 50 });
    return { model: m, optimizer: new SGD(m.parameters(), { lr: 0.05, momentum: 0.9 }) };
  };
  const bits = (m: Sequential) => m.parameters().map((p) => Buffer.from(p.data.slice().buffer).toString('base64')).join();

  it('fit gathers from a copy on an engine with threads, from the dataset on one thread', () => {
    for (const engine of engines) {
      const source = gatherSource(engine, train);
      expect(source instanceof ResidentDataset).toBe(engine.threads > 1);
      if (source instanceof ResidentDataset) source.dispose();
    }
  });

  it('fit trains from a copy it frees, or from the dataset when the copy does not fit: the same bits', async () => {
    const roomy = engines[2]!;
    const a = model(roomy);
    const before = roomy.bytesInUse;
    await fit(a.model, a.optimizer, train, { batchSize: 50, seed: 1, epochs: 2 });
    expect(roomy.bytesInUse).toBe(before);
    // Room for the model, its optimizer and batch, but not for 1000 images more (784 000 bytes).
    const tight = await createEngine({ threads: 2, maxMemoryBytes: roomy.bytesInUse + 600_000 });
    const b = model(tight);
    expect(ResidentDataset.tryCopy(tight, train)).toBeUndefined();
    await fit(b.model, b.optimizer, train, { batchSize: 50, seed: 1, epochs: 2 });
    expect(bits(b.model)).toBe(bits(a.model));
    tight.dispose();
  });
});
