import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Arena } from '../src/engine/arena.js';
import { createEngine } from '../src/engine/index.js';
import { liveView } from '../src/engine/live-view.js';
import { ArrayBufferMemory } from '../src/engine/memory.js';
import { SGD } from '../src/optim/sgd.js';

const backends = ['wasm', 'js'] as const;

describe.each(backends)('engine (%s)', (backend) => {
  it('hands out zero-filled, 16-byte-aligned, disjoint blocks', async () => {
    const engine = await createEngine({ backend });
    const a = engine.alloc(10);
    const b = engine.alloc(100);
    expect(a % 16).toBe(0);
    expect(b % 16).toBe(0);
    expect(b).toBeGreaterThanOrEqual(a + 16);
    engine.u8(a, 10).fill(7);
    engine.free(a);
    const c = engine.alloc(10);
    expect(c).toBe(a);
    expect([...engine.u8(c, 10)]).toEqual(new Array(10).fill(0));
  });

  it('keeps data across memory growth; fresh views see it', async () => {
    const engine = await createEngine({ backend });
    const p = engine.parameter([1, -2, 3]);
    const before = p.data;
    const bufferBefore = engine.buffer;
    engine.alloc(64 << 20);
    expect(engine.buffer).not.toBe(bufferBefore);
    expect([...p.data]).toEqual([1, -2, 3]);
    p.data[1] = 5;
    expect([...engine.f32(p.dataPtr, 3)]).toEqual([1, 5, 3]);
    // A wasm memory detaches its old buffer; a shared one (threads > 1) grows in place: an old view keeps its length.
    if (backend === 'wasm') expect(before.length).toBe(engine.threads === 1 ? 0 : 3);
  });

  it('throws a RangeError naming the bytes asked for past the configured maximum', async () => {
    const engine = await createEngine({ backend, maxMemoryBytes: 4 << 20 });
    expect(() => engine.alloc(5 << 20)).toThrow(RangeError);
    expect(() => engine.alloc(5 << 20)).toThrow(/5242880 bytes/);
    const p = engine.alloc(1024);
    expect(engine.u8(p, 4).length).toBe(4);
  });

  it('refuses more than wasm32 can address before touching memory', async () => {
    const engine = await createEngine({ backend });
    const inUse = engine.bytesInUse;
    expect(() => engine.alloc(2 ** 32)).toThrow(/4294967296 bytes/);
    expect(engine.bytesInUse).toBe(inUse);
  });

  it('gives a parameter live data and grad views', async () => {
    const engine = await createEngine({ backend });
    const p = engine.parameter(Float32Array.from([1, -2, 3]));
    expect([...p.data]).toEqual([1, -2, 3]);
    expect([...p.grad]).toEqual([0, 0, 0]);
    p.grad.set([0.5, 0.5, 0.5]);
    expect([...engine.f32(p.gradPtr, 3)]).toEqual([0.5, 0.5, 0.5]);
    expect(() => engine.parameter([1, 2, 3], [2, 2])).toThrow(RangeError);
  });

  it('reports every kernel call to an instrumentation hook, also through kernels kept before it was installed', async () => {
    const engine = await createEngine({ backend });
    const kept = engine.kernels;
    const p = engine.parameter([1, -2, 3]);
    const optimizer = new SGD([p], { lr: 0.5, momentum: 0.5 });
    const calls: [string, number, readonly number[]][] = [];
    engine.instrument((name, ms, args) => calls.push([name, ms, args]));
    p.grad.set([1, 1, 1]);
    optimizer.step();
    kept.reluForward(3, p.dataPtr, p.dataPtr);
    expect(calls.map(([name]) => name)).toEqual(['sgdStep', 'reluForward']);
    expect(calls.every(([, ms]) => ms >= 0)).toBe(true);
    expect(calls[1]![2]).toEqual([3, p.dataPtr, p.dataPtr]);
    expect([...p.data]).toEqual([0.5, 0, 2.5]);
    engine.instrument();
    optimizer.step();
    expect(calls).toHaveLength(2);
    expect([...p.data]).toEqual([-0.25, -0.75, 1.75]);
  });

  it('exposes the WebAssembly.Memory of a wasm engine only', async () => {
    const engine = await createEngine({ backend });
    if (backend === 'js') expect(engine.wasmMemory).toBeUndefined();
    else expect(engine.wasmMemory!.buffer).toBe(engine.buffer);
  });

  it('throws on use after dispose', async () => {
    const engine = await createEngine({ backend });
    const p = engine.parameter([1]);
    engine.dispose();
    expect(() => engine.alloc(4)).toThrow(/disposed/);
    expect(() => p.data).toThrow(/disposed/);
  });
});

describe('createEngine', () => {
  it('uses relaxed SIMD when asked and available here, standard by default', async () => {
    expect((await createEngine()).simd).toBe('standard');
    expect((await createEngine({ simd: 'relaxed' })).simd).toBe('relaxed');
    expect((await createEngine({ backend: 'auto' })).backend).toBe('wasm');
    expect((await createEngine({ backend: 'js' })).backend).toBe('js');
  });

  it('rejects unknown options with a RangeError naming them', async () => {
    await expect(createEngine({ backend: 'gpu' as never })).rejects.toThrow(/backend/);
    await expect(createEngine({ simd: 'fast' as never })).rejects.toThrow(/simd/);
    await expect(createEngine({ maxMemoryBytes: 2 ** 33 })).rejects.toThrow(/maxMemoryBytes/);
  });
});

describe('arena', () => {
  it('never hands out overlapping or misaligned blocks, whatever the order of alloc and free', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('alloc' as const), bytes: fc.integer({ min: 0, max: 5000 }) }),
      fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const memory = new ArrayBufferMemory(65536);
      const arena = new Arena(memory, 0, 1 << 24);
      const live = new Map<number, number>();
      for (const o of ops) {
        if (o.kind === 'alloc') {
          const ptr = arena.alloc(o.bytes);
          expect(ptr % 16).toBe(0);
          expect(ptr).toBeGreaterThan(0);
          expect(ptr + o.bytes).toBeLessThanOrEqual(memory.buffer.byteLength);
          expect([...new Uint8Array(memory.buffer, ptr, o.bytes)].every((x) => x === 0)).toBe(true);
          for (const [p, n] of live) expect(ptr + Math.max(o.bytes, 1) <= p || p + n <= ptr).toBe(true);
          new Uint8Array(memory.buffer, ptr, o.bytes).fill(0xab);
          live.set(ptr, Math.max(o.bytes, 1));
        } else if (live.size > 0) {
          const ptr = [...live.keys()][o.pick % live.size];
          arena.free(ptr);
          live.delete(ptr);
        }
      }
    }));
  });

  it('rejects freeing what it did not hand out', () => {
    const arena = new Arena(new ArrayBufferMemory(65536), 0, 1 << 20);
    expect(() => arena.free(48)).toThrow(/not a live block/);
  });
});

describe('liveView', () => {
  it('gives the same view until the memory grows, then a view of the new buffer at the same place', () => {
    const memory = new ArrayBufferMemory(65536);
    const view = liveView(memory, Float32Array, 16, 2);
    const first = view();
    first.set([1.5, -2]);
    expect(view()).toBe(first);
    memory.growTo(1 << 20);
    expect(view()).not.toBe(first);
    expect(view().buffer).toBe(memory.buffer);
    expect([...view()]).toEqual([1.5, -2]);
    expect(liveView(memory, Uint8Array)().length).toBe(memory.buffer.byteLength);
  });
});

describe('the debug module', () => {
  it('surfaces an AssemblyScript assertion as a readable error through the loader', async () => {
    const { readFile } = await import('node:fs/promises');
    const { instantiate } = await import('@assemblyscript/loader');
    const bytes = await readFile(new URL('../build/heavyball-debug.wasm', import.meta.url));
    const { exports } = await instantiate<{ gemm: (...args: number[]) => void }>(bytes, {});
    expect(() => exports.gemm(0, 0, 4, 4, 4, 1, 64, 1, 64, 4, 0, 64, 4, 0, 0, 64))
      .toThrow(/abort: gemm: lda is shorter than a row of A at assembly\/gemm\.ts:\d+/);
  });
});
