// Balancing threads of different speeds: the weighted cut of a dimension (whole tiles, in order, ending
// at the total), the weights following each thread's measured speed, and a GEMM cut by any weights giving
// the bits of one thread (the cut only moves which thread computes an output, never its sum).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelNames } from '../src/engine/kernels.js';
import { Balance, weightedStart } from '../src/engine/threads/balance.js';
import { type KernelFunction, ThreadPool } from '../src/engine/threads/pool.js';
import { shareStart } from '../src/engine/threads/split.js';
import { gemmsSideBySide, threadedGemm, tileColumnsOf } from '../src/engine/threads/threaded-kernels.js';
import { instantiateKernels, type KernelModule } from '../src/engine/wasm-module.js';

describe('weightedStart', () => {
  it('cuts in whole units, in order, from 0 to the total; even weights cut as shareStart does', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.constantFrom(1, 4, 8), fc.array(fc.double({ min: 0.05, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 }),
      (total, unit, raw) => {
        const sum = raw.reduce((a, b) => a + b, 0), weights = raw.map((w) => w / sum);
        const starts = Array.from({ length: weights.length + 1 }, (_, p) => weightedStart(total, unit, weights, p));
        expect(starts[0]).toBe(0);
        expect(starts.at(-1)).toBe(total);
        for (let p = 1; p < starts.length; p++) expect(starts[p]!).toBeGreaterThanOrEqual(starts[p - 1]!);
        for (const s of starts) expect(s === total || s % unit === 0).toBe(true);
        const even = new Array<number>(weights.length).fill(1 / weights.length);
        for (let p = 0; p <= weights.length; p++) {
          expect(Math.abs(weightedStart(total, unit, even, p) - shareStart(total, unit, weights.length, p))).toBeLessThanOrEqual(unit);
        }
      }));
  });
});

describe('Balance', () => {
  it('moves the weights toward each thread\'s speed: a thread half as fast ends with about a third', () => {
    const balance = new Balance(2);
    const weights = balance.of(7);
    expect([...weights]).toEqual([0.5, 0.5]);
    for (let call = 0; call < 30; call++) {
      const done = [weights[0]! * 1000, weights[1]! * 1000];
      balance.record(weights, done, [done[0]! / 2, done[1]! / 1]); // thread 0 does 2 units a millisecond, thread 1 one
    }
    expect(weights[0]).toBeCloseTo(2 / 3, 3);
    expect(weights[1]).toBeCloseTo(1 / 3, 3);
    expect(balance.of(8)[0]).toBe(0.5); // another kind of call keeps its own weights
  });

  it('keeps every thread at least half an even share, and learns nothing from a thread with no units or no time', () => {
    const balance = new Balance(2);
    const weights = balance.of(1);
    for (let call = 0; call < 50; call++) balance.record(weights, [500, 500], [1, 100]);
    expect(weights[1]).toBeCloseTo(0.25, 10);
    const before = [...weights];
    balance.record(weights, [500, 0], [1, 1]);
    balance.record(weights, [500, 500], [1, 0]);
    weights.forEach((w, t) => expect(w).toBeCloseTo(before[t]!, 12));
    // Of three threads, the one that had nothing keeps its weight; the other two share the rest by speed.
    const three = new Balance(3);
    const w3 = three.of(1);
    w3.set([0.4, 0.4, 0.2]);
    three.record(w3, [300, 100, 0], [1, 1, 0]);
    expect(w3[2]).toBeCloseTo(0.2, 12);
    expect(w3[0]! + w3[1]! + w3[2]!).toBeCloseTo(1, 12);
    expect(w3[0]! - 0.4).toBeCloseTo(0.3 * (0.6 - 0.4), 12);
  });
});

describe('a GEMM cut by any weights, alone or beside another', () => {
  let module: KernelModule;
  let pool: ThreadPool;
  beforeAll(async () => {
    const memory = new WebAssembly.Memory({ initial: 256, maximum: 256, shared: true });
    module = await instantiateKernels('standard', memory);
    pool = await ThreadPool.start(1, module.module, memory, kernelNames,
      kernelNames.map((name) => (module.kernels as unknown as Record<string, KernelFunction>)[name]!));
  });
  afterAll(() => pool.dispose());

  /** A Balance that always answers `weights` and learns nothing. */
  class Fixed extends Balance {
    constructor(private readonly fixed: Float64Array) {
      super(2);
    }
    override of(): Float64Array {
      return this.fixed;
    }
    override record(): void {}
  }

  it.each([[0.25, 0.75], [0.5, 0.5], [0.8, 0.2], [0.99, 0.01]])('caller %f, worker %f: the bits of one thread, both cuts', (caller, worker) => {
    const f32 = () => new Float32Array(module.memory.buffer);
    const workspace = module.heapBase, bytes = module.kernels.gemmWorkspaceBytes();
    const at = (i: number) => workspace + 2 * bytes + i * (1 << 20);
    const [a, b, c, reference] = [0, 1, 2, 3].map(at);
    for (const [m, n, k, transA, transB] of [[61, 293, 131, 0, 1], [203, 67, 97, 1, 0]] as const) {
      for (let i = 0; i < 300 * 300; i++) {
        f32()[a! / 4 + i] = Math.sin(i);
        f32()[b! / 4 + i] = Math.cos(i * 0.7);
      }
      const lda = transA ? m : k, ldb = transB ? k : n;
      module.kernels.gemm(transA, transB, m, n, k, 1, a!, lda, b!, ldb, 0, reference!, n, 0, 0, workspace);
      // Bands of columns in steps of one tile and of two (wide tiles).
      for (const wide of [false, true]) {
        const threaded = threadedGemm(module.kernels.gemm, pool, kernelNames.indexOf('gemm'), [workspace + bytes],
          new Fixed(Float64Array.of(caller, worker)), tileColumnsOf(() => wide));
        f32().fill(0, c! / 4, c! / 4 + m * n);
        threaded(transA, transB, m, n, k, 1, a!, lda, b!, ldb, 0, c!, n, 0, 0, workspace);
        const got = f32().slice(c! / 4, c! / 4 + m * n), want = f32().slice(reference! / 4, reference! / 4 + m * n);
        expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer)), `${m}×${n}×${k}, wide ${wide}`).toBe(true);
      }
    }
  });

  // A linear layer's gradient pair, dW = dOutᵀ·x beside dx = dOut·W: the worker's band of dx is one step
  // of it (0.99), part of it, or all of it (0.25 leaves the caller less than dW), by rows and by columns.
  it.each([[0.25, 0.75], [0.5, 0.5], [0.7, 0.3], [0.99, 0.01]])('side by side, caller %f, worker %f: the bits of one thread', (caller, worker) => {
    const f32 = () => new Float32Array(module.memory.buffer);
    const workspace = module.heapBase, bytes = module.kernels.gemmWorkspaceBytes();
    const at = (i: number) => workspace + 2 * bytes + i * (1 << 20);
    const [dOut, x, w, dw, dx, dwWant, dxWant] = [0, 1, 2, 3, 4, 5, 6].map(at) as number[] as [number, number, number, number, number, number, number];
    const pair = gemmsSideBySide(module.kernels.gemm, pool, kernelNames.indexOf('gemm'), workspace + bytes,
      new Fixed(Float64Array.of(caller, worker)), tileColumnsOf(() => false));
    for (const [rows, inF, outF] of [[128, 257, 131], [203, 61, 97]] as const) {
      for (let i = 0; i < 300 * 300; i++) {
        f32()[dOut / 4 + i] = Math.sin(i);
        f32()[x / 4 + i] = Math.cos(i * 0.7);
        f32()[w / 4 + i] = Math.sin(i * 0.3);
      }
      const weightGrad = (into: number) => [1, 0, outF, inF, rows, 1, dOut, outF, x, inF, 0, into, inF, 0, 0, workspace] as const;
      const inputGrad = (into: number) => [0, 0, rows, inF, outF, 1, dOut, outF, w, inF, 0, into, inF, 0, 0, workspace] as const;
      module.kernels.gemm(...weightGrad(dwWant));
      module.kernels.gemm(...inputGrad(dxWant));
      pair([...weightGrad(dw)], [...inputGrad(dx)]);
      const same = (got: number, want: number, count: number) =>
        Buffer.from(f32().slice(got / 4, got / 4 + count).buffer).equals(Buffer.from(f32().slice(want / 4, want / 4 + count).buffer));
      expect(same(dw, dwWant, outF * inF), `dW, ${rows}×${inF}×${outF}`).toBe(true);
      expect(same(dx, dxWant, rows * inF), `dx, ${rows}×${inF}×${outF}`).toBe(true);
    }
  });

  it.each([[false, 8], [true, 16]])('side by side, the balance hears both parts in units of the second GEMM\'s band: the first\'s share and the rest (wide tiles %s: bands of %i columns)', (wide, step) => {
    const heard: number[][] = [];
    class Listening extends Balance {
      override record(weights: Float64Array, done: ArrayLike<number>, ms: ArrayLike<number>): void {
        heard.push([done[0]!, done[1]!, ms[0]!, ms[1]!]);
      }
    }
    const workspace = module.heapBase, bytes = module.kernels.gemmWorkspaceBytes();
    const at = (i: number) => workspace + 2 * bytes + i * (1 << 20);
    const pair = gemmsSideBySide(module.kernels.gemm, pool, kernelNames.indexOf('gemm'), workspace + bytes, new Listening(2),
      tileColumnsOf(() => wide));
    // The first has half the multiply-adds of the second, whose 256 columns (more than its 128 rows) are cut.
    const first = [0, 0, 64, 256, 128, 1, at(0), 128, at(1), 256, 0, at(2), 256, 0, 0, workspace] as const;
    const second = [0, 0, 128, 256, 128, 1, at(0), 128, at(1), 256, 0, at(3), 256, 0, 0, workspace] as const;
    // Only a call the worker ran is heard: on a loaded machine the caller may take many over.
    for (let call = 0; heard.length < 3 && call < 5000; call++) pair([...first], [...second]);
    expect(heard.length).toBeGreaterThanOrEqual(3);
    for (const [caller, worker, callerMs, workerMs] of heard) {
      expect(caller! + worker!).toBe(128 + 256);
      expect(worker! % step).toBe(0);
      expect(callerMs).toBeGreaterThan(0);
      expect(workerMs).toBeGreaterThan(0);
    }
    // The weights stay even (this balance learns nothing): the worker's band is half of both parts, 192 columns.
    expect(heard[0]![1]).toBe(192);
  });

  it('side by side, a second GEMM with nothing to sum (k = 0) gives the bits of two calls, again and again', () => {
    const f32 = () => new Float32Array(module.memory.buffer);
    const workspace = module.heapBase, bytes = module.kernels.gemmWorkspaceBytes();
    const at = (i: number) => workspace + 2 * bytes + i * (1 << 20);
    for (let i = 0; i < 256 * 256; i++) f32()[at(0) / 4 + i] = Math.sin(i);
    const pair = gemmsSideBySide(module.kernels.gemm, pool, kernelNames.indexOf('gemm'), workspace + bytes, new Balance(2),
      tileColumnsOf(() => false));
    // C = 0.5·C + bias for the second: k = 0, so no multiply-adds, beside a first of 128 × 256 × 128.
    const first = (c: number) => [0, 0, 128, 256, 128, 1, at(0), 128, at(0), 256, 0, c, 256, 0, 0, workspace] as const;
    const second = (c: number) => [0, 0, 128, 256, 0, 1, at(0), 128, at(0), 256, 0.5, c, 256, at(0), 0, workspace] as const;
    for (const c of [at(1), at(2), at(3), at(4)]) f32().set(f32().subarray(at(0) / 4, at(0) / 4 + 128 * 256), c / 4);
    module.kernels.gemm(...first(at(1)));
    module.kernels.gemm(...second(at(2)));
    for (let call = 0; call < 3; call++) {
      pair([...first(at(3))], [...second(at(4))]);
      if (call < 2) f32().set(f32().subarray(at(0) / 4, at(0) / 4 + 128 * 256), at(4) / 4);
    }
    const same = (got: number, want: number) =>
      Buffer.from(f32().slice(got / 4, got / 4 + 128 * 256).buffer).equals(Buffer.from(f32().slice(want / 4, want / 4 + 128 * 256).buffer));
    expect(same(at(3), at(1)), 'first').toBe(true);
    expect(same(at(4), at(2)), 'second').toBe(true);
  });

  it('side by side, the caller takes no rest of the second GEMM narrower than two steps: the worker has it all', () => {
    const bands: number[] = [];
    class FixedListening extends Balance {
      constructor(private readonly worker: number) {
        super(2);
      }
      override of(): Float64Array {
        return Float64Array.of(1 - this.worker, this.worker);
      }
      override record(weights: Float64Array, done: ArrayLike<number>): void {
        bands.push(done[1]!);
      }
    }
    const workspace = module.heapBase, bytes = module.kernels.gemmWorkspaceBytes();
    const at = (i: number) => workspace + 2 * bytes + i * (1 << 20);
    // Both 128 × 256 × 128: the second's 256 columns are cut in steps of 8; half of both parts is 256.
    const product = (c: number) => [0, 0, 128, 256, 128, 1, at(0), 128, at(1), 256, 0, c, 256, 0, 0, workspace] as const;
    for (const [worker, band] of [[0.485, 256], [0.47, 240]] as const) {
      bands.length = 0;
      const pair = gemmsSideBySide(module.kernels.gemm, pool, kernelNames.indexOf('gemm'), workspace + bytes,
        new FixedListening(worker), tileColumnsOf(() => false));
      for (let call = 0; bands.length < 3 && call < 5000; call++) pair([...product(at(2))], [...product(at(3))]);
      expect(bands.length).toBeGreaterThanOrEqual(3);
      // 0.485 of 512 is 248 columns, a rest of one step; 0.47 is 240, a rest of two.
      for (const got of bands) expect(got, `worker weight ${worker}`).toBe(band);
    }
  });
});
