import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine, type Engine } from '../src/engine/index.js';
import { conv2d, dropout, flatten, linear, relu, sigmoid, tanh } from '../src/nn/layers.js';
import { type Sequential, sequential } from '../src/nn/sequential.js';
import { SGD } from '../src/optim/sgd.js';
import { Random } from '../src/random.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'js' });
});

const mlp = () => [linear(784, 256), relu(), linear(256, 128), relu(), linear(128, 10)];

function std(values: Float32Array): { mean: number; std: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return { mean, std: Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length) };
}

describe('sequential: the memory plan', () => {
  it('names parameters as PyTorch and packs them tightly in layer order', () => {
    const model = sequential(engine, mlp(), { seed: 1, maxBatch: 8 });
    const params = model.parameters();
    expect(params.map((p) => [p.name, p.shape])).toEqual([
      ['0.weight', [256, 784]], ['0.bias', [256]], ['2.weight', [128, 256]], ['2.bias', [128]],
      ['4.weight', [10, 128]], ['4.bias', [10]],
    ]);
    for (let i = 1; i < params.length; i++) {
      expect(params[i]!.dataPtr).toBe(params[i - 1]!.dataPtr + params[i - 1]!.size * 4);
      expect(params[i]!.gradPtr).toBe(params[i - 1]!.gradPtr + params[i - 1]!.size * 4);
    }
    expect(model.inputSize).toBe(784);
    expect(model.outputSize).toBe(10);
    expect(model.layers).toEqual([
      { type: 'linear', inFeatures: 784, outFeatures: 256, init: 'he' }, { type: 'relu' },
      { type: 'linear', inFeatures: 256, outFeatures: 128, init: 'he' }, { type: 'relu' },
      { type: 'linear', inFeatures: 128, outFeatures: 10, init: 'he' },
    ]);
    expect(JSON.parse(JSON.stringify(model.layers))).toEqual(model.layers);
    model.dispose();
  });

  it('He init: weight ~ N(0, 2/in), zero bias; PyTorch init: U(±1/√in)', () => {
    const model = sequential(engine, [linear(784, 256), relu(), linear(256, 10, { init: 'pytorch' })], { seed: 3 });
    const [w0, b0, w1, b1] = model.parameters().map((p) => p.data);
    const he = std(w0!);
    // 200 704 samples: the sample std's standard error is std/√(2N) ≈ 0.16%, the mean's ≈ 1e-4.
    expect(Math.abs(he.std / Math.sqrt(2 / 784) - 1)).toBeLessThan(0.01);
    expect(Math.abs(he.mean)).toBeLessThan(5 * Math.sqrt(2 / 784 / w0!.length));
    expect(b0!.every((v) => v === 0)).toBe(true);
    const bound = 1 / Math.sqrt(256);
    for (const values of [w1!, b1!]) expect(values.every((v) => Math.abs(v) <= bound)).toBe(true);
    // A uniform on (−b, b) has std b/√3; 2 560 samples give a standard error of about 1.1%.
    expect(Math.abs(std(w1!).std / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.06);
    model.dispose();
  });

  it('the same seed gives the same weights; another seed others', () => {
    const a = sequential(engine, mlp(), { seed: 5 });
    const b = sequential(engine, mlp(), { seed: 5 });
    const c = sequential(engine, mlp(), { seed: 6 });
    expect(b.parameters()[0]!.data).toEqual(a.parameters()[0]!.data);
    expect(c.parameters()[0]!.data).not.toEqual(a.parameters()[0]!.data);
    for (const m of [a, b, c]) m.dispose();
  });

  it('dispose frees every block, and later use throws', () => {
    const before = engine.bytesInUse;
    const model = sequential(engine, [...mlp(), dropout(0.2)], { maxBatch: 16, loss: 'mse' });
    expect(engine.bytesInUse).toBeGreaterThan(before);
    model.dispose();
    expect(engine.bytesInUse).toBe(before);
    expect(() => model.parameters()).toThrow(/disposed/);
    expect(() => model.predict(new Uint8Array(784), 1)).toThrow(/disposed/);
    expect(() => model.lossAndBackward(1)).toThrow(/disposed/);
  });

  it("dispose releases the parameters: their views and an optimizer over them throw instead of touching freed memory", () => {
    const model = sequential(engine, mlp(), { maxBatch: 16 });
    const [weight] = model.parameters();
    const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    opt.step();
    model.dispose();
    expect(weight!.released).toBe(true);
    expect(() => weight!.data).toThrow(/parameter '0.weight' was freed: its model has been disposed/);
    expect(() => weight!.grad).toThrow(/'0.weight' was freed/);
    expect(() => opt.step()).toThrow(/'0.weight' was freed/);
    expect(() => opt.zeroGrad()).toThrow(/'0.weight' was freed/);
    expect(() => new SGD([weight!], { lr: 0.1 })).toThrow(/'0.weight' was freed/);
    opt.dispose();
  });

  it('rejects bad layer lists and options, naming the layer or option', () => {
    expect(() => sequential(engine, [])).toThrow(TypeError);
    expect(() => sequential(engine, [relu(), linear(2, 2)])).toThrow(/layer 0 must be linear/);
    expect(() => sequential(engine, [linear(4, 3), relu(), linear(5, 2)])).toThrow(/layer 2 \(linear\) takes 5 inputs.*give 3/);
    expect(() => sequential(engine, [linear(4, 3), { type: 'conv' } as never])).toThrow(/layer 1 is not a layer/);
    expect(() => linear(0, 3)).toThrow(RangeError);
    expect(() => dropout(1)).toThrow(/p must be in \[0, 1\)/);
    expect(() => sequential(engine, [linear(4, 3)], { maxBatch: 0 })).toThrow(/maxBatch/);
    expect(() => sequential(engine, [linear(4, 3)], { seed: 0.5 })).toThrow(/seed/);
    expect(() => sequential(engine, [linear(4, 3)], { loss: 'hinge' as never })).toThrow(/loss must be one of/);
  });

  it('a plan too large for memory throws a RangeError and leaves nothing allocated', async () => {
    const small = await createEngine({ backend: 'js', maxMemoryBytes: 2 ** 20 });
    const before = small.bytesInUse;
    // The parameters (2 × 257 KiB) fit, the activations for 1000 rows (1 MB each) do not.
    expect(() => sequential(small, [linear(256, 256)], { maxBatch: 1000 })).toThrow(RangeError);
    expect(small.bytesInUse).toBe(before);
    sequential(small, [linear(256, 256)], { maxBatch: 10 }).dispose();
  });
});

describe('forward, predict and modes', () => {
  it('forward matches a float64 reference on more rows than maxBatch; predict is its argmax', () => {
    const model = sequential(engine, [linear(6, 5), tanh(), linear(5, 4), sigmoid()], { seed: 2, maxBatch: 3 });
    const rng = new Random(4);
    const n = 7;
    const x = Float32Array.from({ length: n * 6 }, () => rng.normal());
    const y = model.forward(x, n);
    const [w0, b0, w1, b1] = model.parameters().map((p) => p.data);
    for (let i = 0; i < n; i++) {
      const h = Array.from({ length: 5 }, (_, o) => Math.tanh(b0![o]! + [0, 1, 2, 3, 4, 5].reduce((s, k) => s + x[i * 6 + k]! * w0![o * 6 + k]!, 0)));
      for (let o = 0; o < 4; o++) {
        const z = b1![o]! + h.reduce((s, v, k) => s + v * w1![o * 5 + k]!, 0);
        expect(y[i * 4 + o]).toBeCloseTo(1 / (1 + Math.exp(-z)), 6);
      }
    }
    const classes = model.predict(x, n);
    for (let i = 0; i < n; i++) {
      const row = Array.from(y.subarray(i * 4, i * 4 + 4));
      expect(classes[i]).toBe(row.indexOf(Math.max(...row)));
    }
    model.dispose();
  });

  it('u8 inputs are divided by 255', () => {
    const model = sequential(engine, [linear(3, 2)], { maxBatch: 2 });
    const u8 = Uint8Array.from([0, 128, 255, 7, 9, 200]);
    const f32 = Float32Array.from(u8, (v) => v / 255);
    expect(model.predict(u8)).toEqual(model.predict(f32));
    model.dispose();
  });

  it('dropout: identity in eval mode; in training zeroes about p and scales by 1/(1−p)', () => {
    const model = sequential(engine, [linear(100, 100), dropout(0.25)], { seed: 1, maxBatch: 50 });
    const x = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i));
    model.eval();
    const plain = model.forward(x, 50);
    model.train();
    const dropped = model.forward(x, 50);
    const zeros = dropped.filter((v) => v === 0).length;
    // 5000 Bernoulli(0.25) draws: the count's std is ≈ 31, allow 5 of them.
    expect(Math.abs(zeros - 1250)).toBeLessThan(155);
    dropped.forEach((v, i) => v !== 0 && expect(v).toBeCloseTo(plain[i]! / 0.75, 5));
    expect(model.forward(x, 50)).not.toEqual(dropped);
    expect(sequential(engine, [linear(100, 100), dropout(0.25)], { seed: 1, maxBatch: 50 }).forward(x, 50)).toEqual(dropped);
    model.dispose();
  });

  it('gradients accumulate across backward calls, as PyTorch', () => {
    const model = sequential(engine, [linear(4, 3), relu(), linear(3, 2)], { seed: 1, maxBatch: 2 });
    model.loadBatch(Float32Array.from([1, -2, 3, 0.5, 0.1, 0.2, -1, 2]), Uint8Array.from([0, 1]), 2);
    model.lossAndBackward(2);
    const once = model.parameters().map((p) => Float32Array.from(p.grad));
    model.lossAndBackward(2);
    model.parameters().forEach((p, i) => expect(p.grad).toEqual(once[i]!.map((g) => g * 2)));
    model.dispose();
  });

  it("gradients: 'overwrite' writes over whatever grad held (NaN too), with the bits of zeroing then accumulating", async () => {
    const js = await createEngine({ backend: 'js' });
    // Both kinds of layer with parameters, each also first (no input gradient: its weight GEMM runs alone).
    const nets = [
      { layers: () => [linear(16, 8), relu(), linear(8, 3)], inputShape: undefined },
      {
        layers: () => [conv2d(1, 2, 3, { padding: 1 }), relu(), flatten(), linear(32, 8), relu(), linear(8, 3)],
        inputShape: [1, 4, 4] as [number, number, number],
      },
    ];
    const x = Float32Array.from({ length: 5 * 16 }, (_, i) => Math.sin(i));
    const labels = Uint8Array.from([0, 1, 2, 1, 0]);
    const gradBits = (m: Sequential) => m.parameters().map((p) => Buffer.from(p.grad.slice().buffer).toString('hex'));
    for (const e of [engine, js]) {
      for (const { layers, inputShape } of nets) {
        const [zeroed, written] = [0, 1].map(() => sequential(e, layers(), { seed: 4, maxBatch: 5, inputShape }));
        for (const model of [zeroed!, written!]) model.loadBatch(x, labels, 5);
        zeroed!.parameters().forEach((p) => p.grad.fill(0));
        written!.parameters().forEach((p) => p.grad.fill(NaN));
        zeroed!.lossAndBackward(5);
        written!.lossAndBackward(5, 'overwrite');
        expect(gradBits(written!), e.backend).toEqual(gradBits(zeroed!));
        expect(zeroed!.parameters().every((p) => p.grad.some((g) => g !== 0))).toBe(true);
        zeroed!.dispose();
        written!.dispose();
      }
    }
    js.dispose();
  });

  it('a step allocates nothing once the model exists', () => {
    const model = sequential(engine, [...mlp(), dropout(0.1)], { seed: 1, maxBatch: 4, loss: 'mse' });
    const alloc = vi.spyOn(engine, 'alloc');
    const bytes = engine.bytesInUse;
    const images = new Uint8Array(4 * 784).fill(3);
    for (let i = 0; i < 3; i++) {
      model.loadBatch(images, Uint8Array.from([1, 2, 3, 4]), 4);
      model.lossAndBackward(4);
      model.correctCount(4);
    }
    expect(alloc).not.toHaveBeenCalled();
    expect(engine.bytesInUse).toBe(bytes);
    alloc.mockRestore();
    model.dispose();
  });

  it('batch sizes outside 1…maxBatch are refused', () => {
    const model = sequential(engine, [linear(2, 2)], { maxBatch: 2 });
    expect(() => model.lossAndBackward(3)).toThrow(/1 to maxBatch = 2/);
    expect(() => model.lossAndBackward(0)).toThrow(RangeError);
    expect(() => model.forward(new Float32Array(3), 2)).toThrow(/n must be an integer in \[0, 1\]/);
    model.dispose();
  });
});
