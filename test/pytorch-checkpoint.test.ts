// The README's "In PyTorch" section, against real PyTorch through committed fixtures: test/pytorch/checkpoint_interop.py
// computed test/fixtures/pytorch/checkpoint-interop.json from heavyball's checkpoints (heavyball-<i>.safetensors,
// which this test checks heavyball still writes). heavyball → PyTorch: checkpoints load strictly into the
// nn.Sequential their architecture describes (dropout counting in the indices), give the same logits up to float32
// summation order, and their SGD momentum buffers and Adam moments, put into torch.optim as the README says, take
// the same next step as heavyball resumed from the file, bit for bit. PyTorch → heavyball: an nn.Sequential's state
// dict saved as safetensors (torch-f32.safetensors) loads with the same logits; an F64 tensor or nn.Sequential's
// names missing are refused.
import { describe, expect, it } from 'vitest';
import { CheckpointFormatError, createEngine, loadCheckpoint, sequential } from '../src/index.js';
import { cases, checkpointFile, checkpointInputs, heavyballSide, plain, sgd } from './helpers/heavyball-checkpoints.js';
import { f32, readFixture, readJsonFixture, toBits } from './helpers/torch.js';

// The standard build: no FMA, each float32 operation rounded as written, as ATen's portable kernels do.
const engine = await createEngine({ backend: 'wasm', simd: 'standard' });
const { x, saved } = heavyballSide(engine);

interface FromHeavyball {
  step: string;
  layers: unknown[];
  stateDictKeys: string[];
  missingKeys: string[];
  unexpectedKeys: string[];
  logits: string;
  transposed: string;
  magnitude: number[];
  stepped: Record<string, string>;
  classSteps?: number[];
}
interface FromTorch {
  logits: string;
  magnitude: number[];
}
const result = readJsonFixture<{ heavyball: FromHeavyball[]; torch: FromTorch }>('checkpoint-interop.json');

/** A safetensors file's header (parsed, so that key order and padding don't count) and data. */
function parts(bytes: Uint8Array): { header: unknown; data: Uint8Array } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))), data: bytes.subarray(8 + length) };
}

it('heavyball still writes the checkpoints, and draws the inputs, that PyTorch computed the fixture from', () => {
  const rerun = 'if heavyball changed them on purpose, run `npm run fixtures`';
  expect(checkpointInputs(x, saved), `x or the gradients differ from checkpoint-inputs.json: ${rerun}`)
    .toEqual(readJsonFixture('checkpoint-inputs.json'));
  saved.forEach(({ bytes }, i) => {
    const committed = parts(readFixture(checkpointFile(i)));
    const fresh = parts(bytes);
    expect(fresh.header, `${checkpointFile(i)}'s header: ${rerun}`).toEqual(committed.header);
    expect(Buffer.from(fresh.data).equals(Buffer.from(committed.data)), `${checkpointFile(i)}'s tensors: ${rerun}`).toBe(true);
  });
  expect(result.heavyball).toHaveLength(cases.length);
});

/**
 * The largest |a − b| / M over the outputs, M (from Python, float64) being the network run on |x| with |W|
 * and |b|, which bounds every partial sum. A float32 sum of n terms in any order is within n·2⁻²⁴·Σ|terms|
 * of the exact one, so each side's logits are within (21 + 17)·2⁻²⁴·M ≈ 2.3e-6·M (20 products and a bias,
 * then 16 and a bias; ReLU and eval dropout are 1-Lipschitz and exact), and the two sides within ≈ 4.5e-6·M.
 * TOLERANCE = 1e-5 leaves a factor 2; a layout error is off by a sizeable fraction of M.
 */
const TOLERANCE = 1e-5;
function worst(a: Float32Array, b: Float32Array, magnitude: readonly number[]): number {
  expect(a.length).toBe(magnitude.length);
  expect(b.length).toBe(magnitude.length);
  return Math.max(...magnitude.map((m, i) => Math.abs(a[i]! - b[i]!) / m));
}

describe.each(cases.map((c, i) => [c.name, i] as const))('heavyball → PyTorch: %s', (_, i) => {
  const c = cases[i]!;
  const { model, kind, logits, stepped } = saved[i]!;
  const names = model.parameters().map((p) => p.name);
  const torch = result.heavyball[i]!;

  it('loads strictly into the nn.Sequential its architecture describes, and with strict=False skips the optimizer.* tensors', () => {
    expect(torch.step).toBe(String(c.steps));
    expect(torch.layers).toEqual(model.layers);
    expect(torch.stateDictKeys).toEqual(names);
    expect(torch.missingKeys).toEqual([]);
    expect(torch.unexpectedKeys.length).toBeGreaterThan(0);
    expect(torch.unexpectedKeys.every((k) => k.startsWith('optimizer.'))).toBe(true);
  });

  it('gives the logits heavyball gives, up to float32 summation order; a transposed weight would not', () => {
    expect(worst(logits, f32(torch.logits), torch.magnitude)).toBeLessThan(TOLERANCE);
    expect(worst(logits, f32(torch.transposed), torch.magnitude)).toBeGreaterThan(100 * TOLERANCE);
  });

  it("continues in torch.optim with heavyball's next step, bit for bit", () => {
    for (const name of names) expect(toBits(f32(torch.stepped[name]!)), name).toEqual(toBits(stepped[name]!));
    // 1.13's own Adam class takes the README's state too (its step must be a tensor) and counts on from it.
    if (kind === 'Adam') expect(torch.classSteps).toEqual([c.steps + 1]);
  });
});

describe('PyTorch → heavyball', () => {
  const model = sequential(engine, plain, { seed: 5 });
  const bytes = (kind: 'f32' | 'f64' | 'named') => readFixture(`torch-${kind}.safetensors`);
  const refusal = (kind: 'f32' | 'f64' | 'named', withOptimizer = false) => {
    const before = model.parameters().map((p) => Float32Array.from(p.data));
    let error: unknown;
    try {
      loadCheckpoint(bytes(kind), withOptimizer ? { model, optimizer: sgd(model) } : { model });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CheckpointFormatError);
    model.parameters().forEach((p, k) => expect(p.data).toEqual(before[k])); // nothing loaded
    return error as CheckpointFormatError;
  };

  it("an nn.Sequential's state dict loads, weights only, and gives PyTorch's logits", () => {
    const loaded = loadCheckpoint(bytes('f32'), { model });
    expect(loaded.step).toBe(0);
    const ours = model.eval().forward(x);
    expect(worst(ours, f32(result.torch.logits), result.torch.magnitude)).toBeLessThan(TOLERANCE);
  });

  it('refuses an F64 tensor, a named-submodule state dict, and a request for optimizer state, naming the tensor', () => {
    const f64 = refusal('f64');
    expect(f64.tensor).toBe('2.bias');
    expect(f64.message).toMatch(/F64.*F32/);
    expect(refusal('named').tensor).toBe('0.weight');
    expect(refusal('f32', true).message).toMatch(/no optimizer state/);
  });
});
