// A call whose worker has not started it when the caller joins is run by the caller: whoever claims it
// first runs it, so it runs exactly once. Which of the two claims a call depends on the OS, so each test
// repeats until it has seen both, and asserts what holds either way: the bits, and the worker's error.
// A worker watches for its next call for a moment after each one: a call the caller is to have a chance
// at is posted once the worker has gone to sleep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelNames } from '../src/engine/kernels.js';
import { Balance } from '../src/engine/threads/balance.js';
import { WORKER_POLL_US } from '../src/engine/threads/control.js';
import { KernelWorkerError, type KernelFunction, ThreadPool } from '../src/engine/threads/pool.js';
import { threadedGemm, tileColumnsOf } from '../src/engine/threads/threaded-kernels.js';
import { instantiateKernels, type KernelModule } from '../src/engine/wasm-module.js';

const GEMM = kernelNames.indexOf('gemm');

/** Waits (on the caller) until a worker has stopped watching for a call and sleeps. */
function letWorkerSleep(): void {
  for (const end = performance.now() + (10 * WORKER_POLL_US) / 1000; performance.now() < end;);
}
const m = 48, n = 40, k = 56;

describe('a call its worker has not started', () => {
  let module: KernelModule;
  let pool: ThreadPool;
  let f32: () => Float32Array;
  let workspace: number, bytes: number;
  const at = (i: number) => workspace + 2 * bytes + i * 65536;

  beforeAll(async () => {
    const memory = new WebAssembly.Memory({ initial: 64, maximum: 64, shared: true });
    module = await instantiateKernels('standard', memory);
    pool = await ThreadPool.start(1, module.module, memory, kernelNames,
      kernelNames.map((name) => (module.kernels as unknown as Record<string, KernelFunction>)[name]!));
    f32 = () => new Float32Array(module.memory.buffer);
    workspace = module.heapBase;
    bytes = module.kernels.gemmWorkspaceBytes();
  });
  afterAll(() => pool.dispose());

  /**
   * C += A·B on the worker's slot (its own workspace): posted to a sleeping worker and joined at once, or
   * joined once the worker has had time to start it.
   */
  function postAccumulate(c: number, joinAtOnce: boolean): void {
    pool.argsOf(0).set([0, 0, m, n, k, 1, at(0), k, at(1), n, 1, c, n, 0, 0, workspace + bytes]);
    if (joinAtOnce) letWorkerSleep();
    pool.post(0, GEMM, 16);
    if (!joinAtOnce) for (const end = performance.now() + 1; performance.now() < end;);
    pool.join();
  }

  it('runs once, on whichever thread claimed it: C += A·B repeated gives the bits of one thread', () => {
    for (let i = 0; i < m * k; i++) f32()[at(0) / 4 + i] = Math.sin(i) * 0.5;
    for (let i = 0; i < k * n; i++) f32()[at(1) / 4 + i] = Math.cos(i * 0.3) * 0.5;
    const [c, reference] = [at(2), at(3)];
    f32().fill(0.25, c / 4, c / 4 + m * n);
    f32().fill(0.25, reference / 4, reference / 4 + m * n);
    let onCaller = 0, onWorker = 0, calls = 0;
    const before = pool.calls;
    while ((onCaller < 5 || onWorker < 5) && calls < 5000) {
      postAccumulate(c, calls % 2 === 0);
      module.kernels.gemm(0, 0, m, n, k, 1, at(0), k, at(1), n, 1, reference, n, 0, 0, workspace);
      if (pool.ranOnCaller(0)) onCaller++;
      else onWorker++;
      calls++;
    }
    const after = pool.calls;
    // A worker that woke late for a call the caller ran must not run it now: let it finish a call of its
    // own (which it only starts after every earlier one), then compare.
    do postAccumulate(c, false), module.kernels.gemm(0, 0, m, n, k, 1, at(0), k, at(1), n, 1, reference, n, 0, 0, workspace);
    while (pool.ranOnCaller(0));
    expect(onCaller, 'calls the caller took over').toBeGreaterThanOrEqual(5);
    expect(onWorker, 'calls the worker ran').toBeGreaterThanOrEqual(5);
    // The pool's count of the calls it posted and took over, against what each join said.
    expect(after.posted - before.posted).toBe(calls);
    expect(after.takenOver - before.takenOver).toBe(onCaller);
    const got = f32().slice(c / 4, c / 4 + m * n), want = f32().slice(reference / 4, reference / 4 + m * n);
    expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });

  it("a call that traps is the worker's error on either thread, and the pool goes on", () => {
    const outside = module.memory.buffer.byteLength - 16;
    let onCaller = 0, onWorker = 0;
    for (let calls = 0; (onCaller < 3 || onWorker < 3) && calls < 5000; calls++) {
      expect(() => postAccumulate(outside, calls % 2 === 0)).toThrow(KernelWorkerError);
      expect(() => postAccumulate(outside, calls % 2 === 0)).toThrow(/^kernel worker 1 threw: RuntimeError: memory access out of bounds/);
      if (pool.ranOnCaller(0)) onCaller++;
      else onWorker++;
    }
    expect(onCaller).toBeGreaterThanOrEqual(3);
    expect(onWorker).toBeGreaterThanOrEqual(3);
    postAccumulate(at(2), false);
  });

  it('a cut GEMM learns the threads\' speeds only from calls whose worker ran its part', () => {
    let records = 0;
    class Counting extends Balance {
      override record(...args: Parameters<Balance['record']>): void {
        records++;
        super.record(...args);
      }
    }
    // 2^18 multiply-adds, twice the least that is cut: the caller's half takes about as long as a worker takes to wake.
    const gemm = threadedGemm(module.kernels.gemm, pool, GEMM, [workspace + bytes], new Counting(2), tileColumnsOf(() => false));
    let onCaller = 0, onWorker = 0;
    for (let calls = 0; (onCaller < 3 || onWorker < 3) && calls < 5000; calls++) {
      if (calls % 2 === 0) letWorkerSleep();
      gemm(0, 0, 64, 64, 64, 1, at(0), 64, at(1), 64, 0, at(2), 64, 0, 0, workspace);
      if (pool.ranOnCaller(0)) onCaller++;
      else onWorker++;
    }
    expect(onCaller).toBeGreaterThanOrEqual(3);
    expect(records).toBe(onWorker);
  });
});

describe('a call posted for the worker only (a setting of its own instance)', () => {
  it('runs on the worker even when the caller joins before the worker has woken; a plain post there is taken over', async () => {
    const memory = new WebAssembly.Memory({ initial: 64, maximum: 64, shared: true });
    const module = await instantiateKernels('standard', memory);
    const names = [...kernelNames, 'setWideTiles'];
    const SET_WIDE_TILES = names.indexOf('setWideTiles');
    let ranOnCallerInstance = 0;
    const callerKernels = names.map((name): KernelFunction => name === 'setWideTiles'
      ? () => { ranOnCallerInstance++; }
      : (module.kernels as unknown as Record<string, KernelFunction>)[name]!);
    const pool = await ThreadPool.start(1, module.module, memory, names, callerKernels);
    try {
      const joinAtOnce = (post: (w: number, kernel: number, argc: number) => void) => {
        letWorkerSleep();
        pool.argsOf(0)[0] = 1;
        post(0, SET_WIDE_TILES, 1);
        pool.join();
        return pool.ranOnCaller(0);
      };
      let takenOver = 0;
      for (let i = 0; i < 500 && takenOver === 0; i++) if (joinAtOnce((w, kernel, argc) => pool.post(w, kernel, argc))) takenOver++;
      expect(takenOver, 'plain posts the caller took over').toBe(1);
      expect(ranOnCallerInstance).toBe(1);
      for (let i = 0; i < 50; i++) expect(joinAtOnce((w, kernel, argc) => pool.postToWorker(w, kernel, argc))).toBe(false);
      expect(ranOnCallerInstance).toBe(1);
    } finally {
      pool.dispose();
      await pool.exited;
    }
  });
});
