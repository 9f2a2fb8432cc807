// The checkpoint is a safetensors file laid out as the spec says and as PyTorch's nn.Sequential names its
// tensors; files built by hand per the spec (as PyTorch's safetensors writes them) load; save → load → save
// gives the same bytes.
import { describe, expect, it } from 'vitest';
import { CheckpointFormatError } from '../src/checkpoint/checkpoint-format-error.js';
import { loadCheckpoint, readCheckpointInfo } from '../src/checkpoint/load-checkpoint.js';
import { saveCheckpoint } from '../src/checkpoint/save-checkpoint.js';
import { createEngine, type Engine } from '../src/engine/index.js';
import { linear, relu, sigmoid } from '../src/nn/layers.js';
import { type Sequential, sequential } from '../src/nn/sequential.js';
import { Adam } from '../src/optim/adam.js';
import { decayGroups } from '../src/optim/param-groups.js';
import { SGD } from '../src/optim/sgd.js';
import type { History } from '../src/train/history.js';

const engine: Engine = await createEngine({ backend: 'js' });
const layers = [linear(6, 4), relu(), linear(4, 3), sigmoid(), linear(3, 2, { init: 'pytorch' })];
const makeModel = (seed = 1) => sequential(engine, layers, { seed, maxBatch: 4 });

/** Some SGD steps on made-up gradients, so the momentum buffers hold something. */
function stepped(model: Sequential, optimizer: { step(): void; zeroGrad(): void }, steps = 3) {
  for (let t = 0; t < steps; t++) {
    optimizer.zeroGrad();
    for (const p of model.parameters()) p.grad.forEach((_, i) => (p.grad[i] = Math.sin(t + i + p.size)));
    optimizer.step();
  }
}

/** An independent reader of the spec: u64 LE header length, JSON header, data after it. */
function read(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  const data = bytes.subarray(8 + n);
  const floats = (begin: number, end: number) => {
    const out: number[] = [];
    for (let at = begin; at < end; at += 4) out.push(new DataView(data.buffer, data.byteOffset).getFloat32(at, true));
    return out;
  };
  return { n, text, header: JSON.parse(text) as Record<string, any>, data, floats };
}

/** Bytes per the spec from a header object (JSON key order as given) and the data section. */
function handBuilt(header: object, data: Uint8Array, padding = 0): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(padding));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function f32le(values: number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  values.forEach((v, i) => new DataView(out.buffer).setFloat32(4 * i, v, true));
  return out;
}

const values = (model: Sequential) => Object.fromEntries(model.parameters().map((p) => [p.name, Array.from(p.data)]));

describe('the file layout', () => {
  const model = makeModel();
  const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
  stepped(model, optimizer);
  const bytes = saveCheckpoint({ model, optimizer });
  const { n, text, header, data, floats } = read(bytes);

  it('an 8-byte little-endian header length, a JSON header starting with { and space-padded to 8 bytes, then the data', () => {
    expect((8 + n) % 8).toBe(0);
    expect(text[0]).toBe('{');
    expect(text.trimEnd().endsWith('}')).toBe(true);
    expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
    expect(bytes.length).toBe(8 + n + data.length);
  });

  it("the weights as PyTorch's nn.Sequential state dict: 0.weight [out, in], 0.bias, 2.weight, …, F32, then the optimizer's", () => {
    const names = Object.keys(header);
    expect(names).toEqual(['__metadata__', '0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias',
      ...['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias'].map((p) => `optimizer.momentum_buffer.${p}`)]);
    expect(header['0.weight']).toEqual({ dtype: 'F32', shape: [4, 6], data_offsets: [0, 96] });
    expect(header['0.bias']).toEqual({ dtype: 'F32', shape: [4], data_offsets: [96, 112] });
    expect(header['4.weight'].shape).toEqual([2, 3]);
  });

  it('tensors ordered by offset, contiguous, covering the data exactly, each its values little-endian', () => {
    let end = 0;
    const state = optimizer.state().buffers.momentum_buffer!;
    let offset = 0;
    for (const [name, entry] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      expect(entry.data_offsets[0]).toBe(end);
      end = entry.data_offsets[1];
      const stored = floats(entry.data_offsets[0], entry.data_offsets[1]);
      if (name.startsWith('optimizer.')) {
        expect(stored).toEqual(Array.from(state.subarray(offset, offset + stored.length)));
        offset += stored.length;
      } else {
        expect(stored).toEqual(Array.from(model.parameters().find((p) => p.name === name)!.data));
      }
    }
    expect(end).toBe(data.length);
    expect(offset).toBe(state.length);
  });

  it('__metadata__: strings, heavyball\'s as JSON under heavyball.*: architecture, optimizer kind, settings, step', () => {
    const meta = header.__metadata__ as Record<string, string>;
    expect(Object.values(meta).every((v) => typeof v === 'string')).toBe(true);
    expect(meta['heavyball.version']).toBe('1');
    expect(meta['heavyball.step']).toBe('3');
    expect(JSON.parse(meta['heavyball.architecture']!)).toEqual({ layers: model.layers, loss: 'cross-entropy' });
    expect(JSON.parse(meta['heavyball.optimizer']!)).toEqual({
      kind: 'SGD',
      step: 3,
      groups: [{
        params: ['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias'],
        hyperparameters: { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0, maximize: false },
        momentumBufferStarted: true,
      }],
      buffers: ['momentum_buffer'],
    });
  });

  it('Adam keeps exp_avg and exp_avg_sq per parameter; param groups name their parameters', () => {
    const m = makeModel();
    const adam = new Adam(decayGroups(m.parameters()), { lr: 0.01, weightDecay: 0.1 });
    stepped(m, adam);
    const { header: h } = read(saveCheckpoint({ model: m, optimizer: adam }));
    expect(h['optimizer.exp_avg_sq.2.weight'].shape).toEqual([3, 4]);
    expect(h['optimizer.exp_avg.4.bias'].shape).toEqual([2]);
    const record = JSON.parse(h.__metadata__['heavyball.optimizer']);
    expect(record.groups.map((g: { params: string[] }) => g.params)).toEqual([['0.weight', '2.weight', '4.weight'], ['0.bias', '2.bias', '4.bias']]);
    expect(record.groups.map((g: { hyperparameters: { weightDecay: number } }) => g.hyperparameters.weightDecay)).toEqual([0.1, 0]);
  });
});

describe('files from elsewhere, built by hand per the spec', () => {
  it("loads a PyTorch nn.Sequential state dict (safetensors.torch.save_file): any key order, any data order, padding, {format: 'pt'}", () => {
    const model = makeModel(5);
    const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    stepped(model, optimizer);
    const optimizerBefore = optimizer.state();
    const weights: Record<string, number[]> = {};
    for (const p of model.parameters()) weights[p.name] = Array.from({ length: p.size }, (_, i) => (i + 1) * (p.name.length + p.size) / 64 - 1);
    // Data laid out 4.bias, 2.weight, 0.bias, 0.weight, 4.weight, 2.bias; JSON keys in yet another order.
    const dataOrder = ['4.bias', '2.weight', '0.bias', '0.weight', '4.weight', '2.bias'];
    const offsets: Record<string, [number, number]> = {};
    let at = 0;
    for (const name of dataOrder) offsets[name] = [at, (at += 4 * weights[name]!.length)];
    const shapes: Record<string, number[]> = Object.fromEntries(model.parameters().map((p) => [p.name, [...p.shape]]));
    const header: Record<string, unknown> = {};
    for (const name of ['2.bias', '0.weight', '__metadata__', '4.weight', '0.bias', '4.bias', '2.weight']) {
      header[name] = name === '__metadata__' ? { format: 'pt' } : { dtype: 'F32', shape: shapes[name], data_offsets: offsets[name] };
    }
    const bytes = handBuilt(header, f32le(dataOrder.flatMap((name) => weights[name]!)), 5);

    const loaded = loadCheckpoint(bytes, { model });
    expect(loaded).toEqual({ step: 0, metadata: { format: 'pt' } });
    expect(values(model)).toEqual(Object.fromEntries(Object.entries(weights).map(([k, v]) => [k, Array.from(Float32Array.from(v))])));
    expect(optimizer.state()).toEqual(optimizerBefore);
  });

  it('a file without __metadata__ and a header of exactly its JSON loads too; an ArrayBuffer is accepted', () => {
    const source = makeModel(3);
    const header = Object.fromEntries(source.parameters().map((p, i, all) => {
      const begin = all.slice(0, i).reduce((s, q) => s + 4 * q.size, 0);
      return [p.name, { dtype: 'F32', shape: [...p.shape], data_offsets: [begin, begin + 4 * p.size] }];
    }));
    const bytes = handBuilt(header, f32le(source.parameters().flatMap((p) => Array.from(p.data))));
    const model = makeModel(4);
    expect(loadCheckpoint(bytes.slice().buffer, { model })).toEqual({ step: 0, metadata: {} });
    expect(values(model)).toEqual(values(source));
  });

  it('keeps the exact bits: NaN payloads, −0, subnormals, infinities', () => {
    const model = makeModel();
    const special = new Uint32Array([0x7fc00001, 0xffa00000, 0x80000000, 0x00000001, 0x7f800000, 0xff800000]);
    const [bias0, bias4] = [model.parameters()[1]!, model.parameters()[5]!]; // 4 and 2 values
    new Uint32Array(bias0.data.buffer, bias0.data.byteOffset, 4).set(special.subarray(0, 4));
    new Uint32Array(bias4.data.buffer, bias4.data.byteOffset, 2).set(special.subarray(4));
    const bytes = saveCheckpoint({ model });
    const copy = makeModel(9);
    loadCheckpoint(bytes, { model: copy });
    const bits = (m: Sequential, i: number) => Array.from(new Uint32Array(m.parameters()[i]!.data.slice().buffer));
    expect(bits(copy, 1)).toEqual(Array.from(special.subarray(0, 4)));
    expect(bits(copy, 5)).toEqual(Array.from(special.subarray(4)));
  });
});

describe('round trips', () => {
  const history: History = {
    steps: [{ step: 0, loss: 2.302585092994046, lr: 0.1, momentum: 0.9 }, { step: 1, loss: NaN, lr: 1 / 3, momentum: -0 }],
    epochs: [{ epoch: 1, trainLoss: 0.1 + 0.2, trainAccuracy: 0.5, testLoss: null, testAccuracy: null, seconds: 1.25 }],
    diverged: { step: 1, loss: Infinity },
  };

  it('save → load into a fresh model and optimizer → save gives identical bytes; history (NaN, ±Infinity, −0), progress, metadata survive', () => {
    const model = makeModel();
    const optimizer = new Adam(decayGroups(model.parameters()), { lr: 0.01, amsgrad: true });
    stepped(model, optimizer, 4);
    const input = {
      model, optimizer, history, step: 7,
      progress: { epoch: 2, batch: 3, lossSum: 0.1 + 0.7, correct: 5, seen: 12, order: { count: 50, batchSize: 4, seed: -3, shuffle: true, dropLast: false } },
      metadata: { note: 'héllo', run: '{"seed":1}' },
    };
    const bytes = saveCheckpoint(input);
    expect(saveCheckpoint(input)).toEqual(bytes);

    const copy = makeModel(2);
    const copyOptimizer = new Adam(decayGroups(copy.parameters()), { lr: 0.5, amsgrad: true });
    const loaded = loadCheckpoint(bytes, { model: copy, optimizer: copyOptimizer });
    expect(loaded.step).toBe(7);
    expect(loaded.history).toEqual(history);
    expect(Object.is(loaded.history!.steps[1]!.momentum, -0)).toBe(true);
    expect(loaded.progress).toEqual(input.progress);
    expect(loaded.metadata.note).toBe('héllo');
    expect(Object.keys(loaded.metadata).filter((k) => k.startsWith('heavyball.')).sort())
      .toEqual(['heavyball.architecture', 'heavyball.history', 'heavyball.optimizer', 'heavyball.progress', 'heavyball.step', 'heavyball.version']);
    expect(copyOptimizer.state()).toEqual(optimizer.state());
    expect(values(copy)).toEqual(values(model));

    const { metadata, ...rest } = loaded;
    const userMetadata = Object.fromEntries(Object.entries(metadata).filter(([k]) => !k.startsWith('heavyball.')));
    expect(saveCheckpoint({ ...rest, model: copy, optimizer: copyOptimizer, metadata: userMetadata })).toEqual(bytes);
  });

  it('matches parameters by name: an optimizer listing them in another order gets each its own state', () => {
    const model = makeModel();
    const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    stepped(model, optimizer);
    const bytes = saveCheckpoint({ model, optimizer });
    const copy = makeModel(2);
    const reversed = new SGD([...copy.parameters()].reverse(), { lr: 0.1, momentum: 0.9 });
    loadCheckpoint(bytes, { model: copy, optimizer: reversed });
    const byName = (opt: SGD, m: Sequential) => {
      const names = new Map(m.parameters().map((p) => [p, p.name]));
      const flat = opt.state().buffers.momentum_buffer!;
      let at = 0;
      return Object.fromEntries(opt.params.map((p) => [names.get(p), Array.from(flat.subarray(at, (at += p.size)))]));
    };
    expect(byName(reversed, copy)).toEqual(byName(optimizer, model));
    expect(reversed.state().step).toBe(3);
  });

  it('without an optimizer, only the weights load and the optimizer tensors are passed over', () => {
    const model = makeModel();
    const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    stepped(model, optimizer);
    const copy = makeModel(2);
    const loaded = loadCheckpoint(saveCheckpoint({ model, optimizer, history }), { model: copy });
    expect(values(copy)).toEqual(values(model));
    expect(loaded.step).toBe(3);
    expect(loaded.history).toEqual(history);
  });

  it('a weights-only checkpoint refuses to load into an optimizer, and changes nothing', () => {
    const model = makeModel();
    const bytes = saveCheckpoint({ model });
    const copy = makeModel(2);
    const before = values(copy);
    const load = () => loadCheckpoint(bytes, { model: copy, optimizer: new SGD(copy.parameters(), { lr: 0.1 }) });
    expect(load).toThrow(CheckpointFormatError);
    expect(load).toThrow(/holds no optimizer state \(only weights\)/);
    expect(values(copy)).toEqual(before);
  });

  it('readCheckpointInfo gives the architecture to rebuild the model, the optimizer kind and settings, the step', () => {
    const model = makeModel();
    const optimizer = new Adam(model.parameters(), { lr: 0.002, betas: [0.8, 0.99] });
    stepped(model, optimizer, 2);
    const bytes = saveCheckpoint({ model, optimizer });
    const info = readCheckpointInfo(bytes);
    expect(info.step).toBe(2);
    expect(info.optimizer).toMatchObject({ kind: 'Adam', step: 2, buffers: ['exp_avg', 'exp_avg_sq'] });
    expect(info.optimizer!.groups[0]!.hyperparameters).toMatchObject({ lr: 0.002, betas: [0.8, 0.99] });
    const rebuilt = sequential(engine, info.architecture!.layers, { loss: info.architecture!.loss as 'cross-entropy' });
    loadCheckpoint(bytes, { model: rebuilt });
    expect(values(rebuilt)).toEqual(values(model));
  });

  it('user metadata must be strings under keys not starting with heavyball.', () => {
    const model = makeModel();
    expect(() => saveCheckpoint({ model, metadata: { 'heavyball.step': '3' } })).toThrow(/reserved/);
    expect(() => saveCheckpoint({ model, metadata: { seed: 1 as unknown as string } })).toThrow(/must be a string/);
    expect(() => saveCheckpoint({ model, step: -1 })).toThrow(RangeError);
  });
});
