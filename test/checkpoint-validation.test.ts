// loadCheckpoint checks everything before it writes anything: each problem is a CheckpointFormatError that
// names the tensor (or metadata entry) and what is wrong, and the model and optimizer stay as they were.
import { describe, expect, it } from 'vitest';
import { CheckpointFormatError } from '../src/checkpoint/checkpoint-format-error.js';
import { loadCheckpoint } from '../src/checkpoint/load-checkpoint.js';
import { saveCheckpoint } from '../src/checkpoint/save-checkpoint.js';
import { createEngine } from '../src/engine/index.js';
import { dropout, linear, relu, sigmoid, tanh } from '../src/nn/layers.js';
import { type Sequential, sequential } from '../src/nn/sequential.js';
import { Adam } from '../src/optim/adam.js';
import type { Optimizer } from '../src/optim/optimizer.js';
import { SGD } from '../src/optim/sgd.js';
import { Random } from '../src/random.js';

const engine = await createEngine({ backend: 'js' });
const layers = [linear(6, 4), relu(), linear(4, 3), sigmoid(), linear(3, 2)];
const makeModel = (seed = 1, specs = layers) => sequential(engine, specs, { seed, maxBatch: 2 });
const makeSgd = (model: Sequential) => new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });

function trained(): { model: Sequential; optimizer: SGD } {
  const model = makeModel();
  const optimizer = makeSgd(model);
  for (let t = 0; t < 2; t++) {
    for (const p of model.parameters()) p.grad.forEach((_, i) => (p.grad[i] = Math.cos(t + i)));
    optimizer.step();
  }
  return { model, optimizer };
}
const source = trained();
const valid = saveCheckpoint({ ...source, history: { steps: [{ step: 0, loss: 1, lr: 0.1, momentum: 0.9 }], epochs: [], diverged: false } });

/** The file split into its header object and data, so a test can break one thing and put it back together. */
function parts(bytes: Uint8Array) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.slice(8 + n) };
}

function assemble(headerText: string | Uint8Array, data: Uint8Array, declared?: bigint): Uint8Array {
  const json = typeof headerText === 'string' ? new TextEncoder().encode(headerText) : headerText;
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** The valid checkpoint with `edit` applied to its header (and data). */
function edited(edit: (header: any, data: Uint8Array) => Uint8Array | void): Uint8Array {
  const { header, data } = parts(valid);
  const newData = edit(header, data) ?? data;
  return assemble(JSON.stringify(header), newData);
}

const meta = (key: string, value: string) => edited((h) => void (h.__metadata__[key] = value));
const optimizerRecord = (change: (record: any) => void) => edited((h) => {
  const record = JSON.parse(h.__metadata__['heavyball.optimizer']);
  change(record);
  h.__metadata__['heavyball.optimizer'] = JSON.stringify(record);
});

const snapshot = (model: Sequential, optimizer: Optimizer) => ({
  weights: model.parameters().map((p) => Array.from(p.data)),
  state: optimizer.state(),
  random: model.randomState(),
});

/** Loads `bytes` into a fresh model and optimizer; expects the error and that nothing changed. */
function expectRefused(bytes: Uint8Array, message: RegExp, options: { model?: Sequential; optimizer?: Optimizer } = {}) {
  const model = options.model ?? makeModel(2);
  const optimizer = options.optimizer ?? makeSgd(model);
  const before = snapshot(model, optimizer);
  let error: unknown;
  try {
    loadCheckpoint(bytes, { model, optimizer });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CheckpointFormatError);
  expect((error as Error).name).toBe('CheckpointFormatError');
  expect((error as Error).message).toMatch(message);
  expect(snapshot(model, optimizer)).toEqual(before);
  return error as CheckpointFormatError;
}

describe('the valid file loads (the cases below each break one thing of it)', () => {
  it('loads', () => {
    const model = makeModel(2);
    const optimizer = makeSgd(model);
    loadCheckpoint(valid, { model, optimizer });
    expect(snapshot(model, optimizer)).toEqual(snapshot(source.model, source.optimizer));
  });
});

describe('the framing: header length, JSON, entries, dtypes, offsets', () => {
  const { header, data } = parts(valid);
  const text = JSON.stringify(header);
  it.each([
    ['a file shorter than 8 bytes', valid.slice(0, 5), /the file is 5 bytes, shorter than the 8-byte header length/],
    ['an empty file', new Uint8Array(0), /the file is 0 bytes/],
    ['a header length over the limit', assemble(text, data, 2n ** 40n), /the header length is 1099511627776 bytes, more than the limit of 100000000/],
    ['a header length of 2^64 − 1', assemble(text, data, 2n ** 64n - 1n), /the header length is 18446744073709551615 bytes, more than the limit/],
    ['a header length past the end of the file', assemble(text, data, BigInt(text.length + data.length + 1)),
      new RegExp(`the header length is ${text.length + data.length + 1} bytes, but only ${text.length + data.length} bytes follow it`)],
    ['a header not starting with {', assemble(` ${text}`, data), /the header does not start with '\{': this is not a safetensors file/],
    ['a header of length 0', assemble('', data), /does not start with '\{'/],
    ['invalid UTF-8', assemble(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]), data), /the header is not valid UTF-8/],
    ['invalid JSON', assemble(text.slice(0, -1), data), /the header is not valid JSON/],
    ['JSON and then more', assemble(`${text}{}`, data), /the header is not valid JSON/],
    ['__metadata__ not an object', edited((h) => void (h.__metadata__ = ['x'])), /^__metadata__: must be an object of strings/],
    ['a metadata value not a string', edited((h) => void (h.__metadata__.seed = 1)), /^__metadata__: the value of "seed" must be a string, got number/],
    ['an entry not an object', edited((h) => void (h['0.bias'] = 3)), /^0\.bias: must be an object \{ dtype, shape, data_offsets \}, got number/],
    ['an entry without dtype', edited((h) => void delete h['0.bias'].dtype), /^0\.bias: has no dtype/],
    ['an entry without data_offsets', edited((h) => void delete h['2.weight'].data_offsets), /^2\.weight: has no data_offsets/],
    ['an entry with an unknown field', edited((h) => void (h['0.bias'].strides = [1])), /^0\.bias: has an unknown field "strides"/],
    ['dtype F16', edited((h) => void (h['0.weight'].dtype = 'F16')),
      /^0\.weight: dtype F16 is not supported: heavyball loads F32 tensors only \(in PyTorch, convert with tensor\.float\(\)\)/],
    ['dtype BF16', edited((h) => void (h['2.bias'].dtype = 'BF16')), /^2\.bias: dtype BF16 is not supported/],
    ['dtype F64', edited((h) => void (h['0.bias'].dtype = 'F64')), /^0\.bias: dtype F64 is not supported/],
    ['an unknown dtype', edited((h) => void (h['0.bias'].dtype = 'float32')), /^0\.bias: unknown dtype "float32"/],
    ['dtype not a string', edited((h) => void (h['0.bias'].dtype = 32)), /^0\.bias: dtype must be a string, got number/],
    ['a negative dimension', edited((h) => void (h['0.bias'].shape = [-4])), /^0\.bias: shape must be an array of non-negative integers, got \[-4\]/],
    ['a fractional dimension', edited((h) => void (h['0.bias'].shape = [2.5])), /^0\.bias: shape must be an array of non-negative integers/],
    ['a shape not an array', edited((h) => void (h['0.bias'].shape = '4')), /^0\.bias: shape must be an array/],
    ['data_offsets of one number', edited((h) => void (h['0.bias'].data_offsets = [96])), /^0\.bias: data_offsets must be \[begin, end\]/],
    ['data_offsets past 2^53', edited((h) => void (h['0.bias'].data_offsets = [96, 2 ** 60])), /^0\.bias: data_offsets must be \[begin, end\], two non-negative integers/],
    ['data_offsets ending before they begin', edited((h) => void (h['0.bias'].data_offsets = [112, 96])), /^0\.bias: data_offsets \[112, 96\] end before they begin/],
    ['data_offsets past the data', edited((h) => void (h['optimizer.momentum_buffer.4.bias'].data_offsets = [408, 416])),
      /^optimizer\.momentum_buffer\.4\.bias: data_offsets \[408, 416\] run past the end of the data \(408 bytes\)/],
    ['bytes ≠ 4 × the shape', edited((h) => void (h['0.bias'].shape = [5])),
      /^0\.bias: shape \[5\] of F32 needs 20 bytes, but data_offsets \[96, 112\] hold 16/],
    ['a huge shape', edited((h) => void (h['0.bias'].shape = [2 ** 26, 2 ** 26, 2 ** 26])), /^0\.bias: shape \[67108864, 67108864, 67108864\] of F32 needs/],
    ['overlapping tensors', edited((h) => void (h['0.bias'].data_offsets = [92, 108])), /^0\.bias: data_offsets \[92, 108\] overlap those of "0\.weight", which end at 96/],
    ['a gap', edited((h, d) => {
      for (const entry of Object.values<any>(h)) if (entry.data_offsets?.[0] >= 96) entry.data_offsets = entry.data_offsets.map((x: number) => x + 4);
      return Uint8Array.from([...d.subarray(0, 96), 0, 0, 0, 0, ...d.subarray(96)]);
    }), /^0\.bias: data_offsets \[100, 116\] leave bytes 96-100 of the data unused/],
    ['trailing bytes', edited((_, d) => Uint8Array.from([...d, 1, 2, 3, 4])), /the data is 412 bytes, but the tensors cover only 408: 4 bytes at the end belong to no tensor/],
    ['a truncated file', valid.slice(0, valid.length - 3), /run past the end of the data|cover only/],
  ] as [string, Uint8Array, RegExp][])('%s', (_, bytes, message) => {
    expectRefused(bytes, message);
  });
});

describe('the model and optimizer must fit the file', () => {
  it.each([
    ['a tensor missing', edited((h, d) => {
      const [begin, end] = h['4.bias'].data_offsets;
      delete h['4.bias'];
      for (const entry of Object.values<any>(h)) if (entry.data_offsets?.[0] >= end) entry.data_offsets = entry.data_offsets.map((x: number) => x - (end - begin));
      return Uint8Array.from([...d.subarray(0, begin), ...d.subarray(end)]);
    }), /^4\.bias: is in the model but not in the checkpoint/],
    ['a tensor too many', edited((h, d) => {
      h.extra = { dtype: 'F32', shape: [1], data_offsets: [d.length, d.length + 4] };
      return Uint8Array.from([...d, 0, 0, 0, 0]);
    }), /^extra: is not a tensor of the model \(0\.weight, 0\.bias, 2\.weight, 2\.bias, 4\.weight, 4\.bias\) or of the optimizer's state/],
    ['an optimizer tensor missing', edited((h) => void (h['optimizer.momentum_buffer.x'] = h['optimizer.momentum_buffer.4.bias'], delete h['optimizer.momentum_buffer.4.bias'])),
      /^optimizer\.momentum_buffer\.4\.bias: is missing from the checkpoint/],
    ['an optimizer tensor of another shape', edited((h) => void (h['optimizer.momentum_buffer.4.bias'].shape = [1, 2])),
      /^optimizer\.momentum_buffer\.4\.bias: shape \[1, 2\] in the checkpoint, \[2\] in the model/],
  ] as [string, Uint8Array, RegExp][])('%s', (_, bytes, message) => {
    expectRefused(bytes, message);
  });

  it("another architecture's checkpoint says which layer differs", async () => {
    const e = await createEngine({ backend: 'js' });
    const wide = sequential(e, [linear(784, 256), relu(), linear(256, 10)]);
    const narrow = sequential(e, [linear(784, 128), relu(), linear(128, 10)]);
    const error = expectRefused(saveCheckpoint({ model: wide }), /^0\.weight: shape \[256, 784\] in the checkpoint, \[128, 784\] in the model$/,
      { model: narrow, optimizer: new SGD(narrow.parameters(), { lr: 0.1 }) });
    expect(error.tensor).toBe('0.weight');
  });

  it('the same shapes with other activations: the architecture says which layer', () => {
    const other = makeModel(2, [linear(6, 4), tanh(), linear(4, 3), sigmoid(), linear(3, 2)]);
    expectRefused(valid, /^heavyball\.architecture: layer 1 is relu in the checkpoint, tanh in the model$/, { model: other, optimizer: makeSgd(other) });
  });

  it("another optimizer's state", () => {
    const model = makeModel(2);
    expectRefused(valid, /^heavyball\.optimizer: does not fit the optimizer: cannot load SGD state into Adam$/, { model, optimizer: new Adam(model.parameters()) });
  });

  it('other param groups', () => {
    const model = makeModel(2);
    const [w0, b0, ...rest] = model.parameters();
    const grouped = new SGD([{ params: [w0!, b0!] }, { params: rest }], { lr: 0.1, momentum: 0.9 });
    expectRefused(valid, /^heavyball\.optimizer: the checkpoint has 1 param groups, the optimizer 2$/, { model, optimizer: grouped });
  });

  it('an optimizer over some of the model only', () => {
    const model = makeModel(2);
    const partial = new SGD(model.parameters().slice(2), { lr: 0.1, momentum: 0.9 });
    expectRefused(valid, /^heavyball\.optimizer: param group 0 holds \[0\.weight, .*\] in the checkpoint, \[2\.weight, 2\.bias, 4\.weight, 4\.bias\] in the optimizer/,
      { model, optimizer: partial });
  });
});

describe("heavyball's metadata", () => {
  it.each([
    ['another version', meta('heavyball.version', '2'), /^heavyball\.version: version "2" is not one this heavyball reads \(1\)/],
    ['a step not an integer', meta('heavyball.step', '1.5'), /^heavyball\.step: the step must be an integer ≥ 0, got 1\.5$/],
    ['a step past 2^53', meta('heavyball.step', '99999999999999999'), /^heavyball\.step: the step must be an integer ≥ 0, got 100000000000000000$/],
    ['a history not JSON', meta('heavyball.history', '{steps'), /^heavyball\.history: is not valid JSON/],
    ['a history without steps', meta('heavyball.history', '{"epochs":[],"diverged":false}'), /^heavyball\.history: steps must be an array/],
    ['a history step without a loss', meta('heavyball.history', '{"steps":[{"step":0}],"epochs":[],"diverged":false}'),
      /^heavyball\.history: steps\[0\]\.loss must be a number/],
    ['a history loss a word', meta('heavyball.history', '{"steps":[{"step":0,"loss":"low"}],"epochs":[],"diverged":false}'),
      /^heavyball\.history: steps\[0\]\.loss must be a number, got "low"/],
    ['an architecture with a bad layer', meta('heavyball.architecture', '{"layers":[{"type":"linear","inFeatures":0,"outFeatures":3,"init":"he"}],"loss":"mse"}'),
      /^heavyball\.architecture: layer 0 \(linear\): inFeatures must be a positive integer, got 0/],
    ['an architecture with an unknown layer', meta('heavyball.architecture', '{"layers":[{"type":"conv"}],"loss":"mse"}'),
      /^heavyball\.architecture: layer 0 is not a layer description/],
    ['progress with a negative count', meta('heavyball.progress',
      '{"epoch":1,"batch":-1,"lossSum":0,"correct":0,"seen":0,"order":{"count":9,"batchSize":3,"seed":1,"shuffle":true,"dropLast":false}}'),
      /^heavyball\.progress: batch must be an integer ≥ 0, got -1$/],
    ['progress without its batch order', meta('heavyball.progress', '{"epoch":1,"batch":1,"lossSum":0,"correct":0,"seen":0}'),
      /^heavyball\.progress: order must be an object/],
    ['progress with a batch size of 0', meta('heavyball.progress',
      '{"epoch":1,"batch":1,"lossSum":0,"correct":0,"seen":0,"order":{"count":9,"batchSize":0,"seed":1,"shuffle":true,"dropLast":false}}'),
      /^heavyball\.progress: order\.batchSize must be an integer ≥ 1, got 0$/],
    ['dropout states not an array', meta('heavyball.random', '{"0":1}'), /^heavyball\.random: the dropout generator states must be an array/],
    ['a dropout state not an integer', meta('heavyball.random', '[1.5]'), /^heavyball\.random: states\[0\] must be an integer in \[0, 2\^32\), got 1\.5/],
    ['a dropout state past 2^32 − 1', meta('heavyball.random', '[4294967296]'), /^heavyball\.random: states\[0\] must be an integer in \[0, 2\^32\)/],
    ['a dropout state negative', meta('heavyball.random', '[-1]'), /^heavyball\.random: states\[0\] must be an integer in \[0, 2\^32\), got -1/],
    ['dropout states for a model without dropout', meta('heavyball.random', '[7]'),
      /^heavyball\.random: 1 dropout generator states for 0 dropout layers$/],
    ['an optimizer record without groups', optimizerRecord((r) => delete r.groups), /^heavyball\.optimizer: groups must be an array/],
    ['an optimizer step negative', optimizerRecord((r) => (r.step = -2)), /^heavyball\.optimizer: step must be an integer ≥ 0, got -2$/],
    ['a parameter in two groups', optimizerRecord((r) => r.groups.push({ params: ['0.bias'], hyperparameters: {} })),
      /^heavyball\.optimizer: the checkpoint has 2 param groups, the optimizer 1$/],
    ['a parameter twice in a group', optimizerRecord((r) => (r.groups[0].params[1] = '0.weight')),
      /^heavyball\.optimizer: param group 0 holds \[0\.weight, 0\.weight, 2\.weight, .*\] in the checkpoint, \[0\.weight, 0\.bias, 2\.weight, .*\] in the optimizer$/],
    ['a momentum out of range', optimizerRecord((r) => (r.groups[0].hyperparameters.momentum = 1.5)),
      /^heavyball\.optimizer: does not fit the optimizer: momentum must be in \[0, 1\), got 1\.5/],
    ['an unknown hyperparameter', optimizerRecord((r) => (r.groups[0].hyperparameters.weight_decay = 0)),
      /^heavyball\.optimizer: does not fit the optimizer: unknown SGD option "weight_decay"/],
    ["SGD's momentumBufferStarted missing", optimizerRecord((r) => delete r.groups[0].momentumBufferStarted),
      /^heavyball\.optimizer: does not fit the optimizer: groups\[0\]\.momentumBufferStarted must be true or false/],
    ['other state kinds', edited((h) => {
      for (const name of Object.keys(h).filter((k) => k.startsWith('optimizer.momentum_buffer.'))) {
        h[name.replace('momentum_buffer', 'exp_avg')] = h[name];
        delete h[name];
      }
      const record = JSON.parse(h.__metadata__['heavyball.optimizer']);
      h.__metadata__['heavyball.optimizer'] = JSON.stringify({ ...record, buffers: ['exp_avg'] });
    }), /^heavyball\.optimizer: does not fit the optimizer: the state has buffers \[exp_avg\], this SGD has \[momentum_buffer\]$/],
    ['a state kind without its tensors', optimizerRecord((r) => r.buffers.push('exp_avg')), /^optimizer\.exp_avg\.0\.weight: is missing from the checkpoint$/],
  ] as [string, Uint8Array, RegExp][])('%s', (_, bytes, message) => {
    expectRefused(bytes, message);
  });
});

describe('dropout generator states', () => {
  const withDropout = [linear(6, 4), relu(), dropout(0.5), linear(4, 3), sigmoid(), dropout(0.1), linear(3, 2)];
  const dropoutModel = (seed: number) => sequential(engine, withDropout, { seed, maxBatch: 2 });

  it('load into the dropout layers, in order', () => {
    const model = dropoutModel(1);
    model.setRandomState([5, 4294967295]);
    const copy = dropoutModel(2);
    loadCheckpoint(saveCheckpoint({ model }), { model: copy });
    expect(copy.randomState()).toEqual([5, 4294967295]);
  });

  it('of another count are refused before anything changes', () => {
    const bytes = saveCheckpoint({ model: dropoutModel(1) });
    const header = parts(bytes);
    header.header.__metadata__['heavyball.random'] = '[1,2,3]';
    const model = dropoutModel(2);
    expectRefused(assemble(JSON.stringify(header.header), header.data),
      /^heavyball\.random: 3 dropout generator states for 2 dropout layers$/, { model, optimizer: makeSgd(model) });
  });

  it('a file without them (from PyTorch, or an older heavyball) leaves the generators as they are', () => {
    const { header, data } = parts(saveCheckpoint({ model: dropoutModel(1) }));
    delete header.__metadata__['heavyball.random'];
    const model = dropoutModel(2);
    const before = model.randomState();
    loadCheckpoint(assemble(JSON.stringify(header), data), { model });
    expect(model.randomState()).toEqual(before);
  });

  it("Random's state is its position: read it, set it, and the same numbers follow; only a u32 is taken", () => {
    const rng = new Random(42);
    rng.nextU32();
    const at = rng.state;
    const next = [rng.nextU32(), rng.nextU32()];
    rng.state = at;
    expect([rng.nextU32(), rng.nextU32()]).toEqual(next);
    for (const bad of [-1, 2 ** 32, 0.5, NaN]) expect(() => (rng.state = bad)).toThrow(/state must be an integer in \[0, 2\^32\)/);
  });

  it('setRandomState checks the count and each state (a u32) before setting any', () => {
    const model = dropoutModel(1);
    const before = model.randomState();
    expect(() => model.setRandomState([1])).toThrow(/^1 dropout generator states for 2 dropout layers$/);
    expect(() => model.setRandomState([1, 2 ** 32])).toThrow(/states\[1\] must be an integer in \[0, 2\^32\), got 4294967296/);
    expect(() => model.setRandomState([1, NaN])).toThrow(RangeError);
    expect(() => model.setRandomState(5 as unknown as number[])).toThrow(new TypeError('states must be an array'));
    expect(model.randomState()).toEqual(before);
  });
});

describe('usage errors are not format errors', () => {
  it('bytes must be a Uint8Array (a Buffer is one) or an ArrayBuffer', () => {
    const model = makeModel(2);
    expect(() => loadCheckpoint('file.safetensors' as unknown as Uint8Array, { model })).toThrow(TypeError);
    expect(() => loadCheckpoint(1e9 as unknown as Uint8Array, { model })).toThrow(/must be a Uint8Array or an ArrayBuffer of its bytes, got \[object Number\]/);
    expect(() => loadCheckpoint(Buffer.from(valid), { model })).not.toThrow();
  });

  it('maxHeaderBytes lowers the limit, and must be an integer ≥ 0', () => {
    const model = makeModel(2);
    expect(() => loadCheckpoint(valid, { model, maxHeaderBytes: 100 })).toThrow(CheckpointFormatError);
    expect(() => loadCheckpoint(valid, { model, maxHeaderBytes: 100 })).toThrow(/^the header length is \d+ bytes, more than the limit of 100$/);
    expect(() => loadCheckpoint(valid, { model, maxHeaderBytes: -1 })).toThrow(RangeError);
    expect(() => loadCheckpoint(valid, { model, maxHeaderBytes: NaN })).toThrow(/maxHeaderBytes must be an integer ≥ 0, got NaN/);
  });
});
