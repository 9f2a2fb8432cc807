import {
  ARGC, ARGS_OFFSET, CLAIMED, DONE, FINISHED_AT_OFFSET, KERNEL, MAX_ARGS, MESSAGE_LENGTH, MESSAGE_OFFSET, POSTED, SLOT_BYTES,
  STATUS,
} from './control.js';
import { nodeWorkerSource, webWorkerSource, type WorkerHello, type WorkerStart } from './worker.js';

/** The part of a worker both worker_threads' Worker and the Web Worker have, as the pool uses it. */
interface AnyWorker {
  postMessage(message: unknown): void;
  terminate(): unknown;
  /** Node only: keep the process alive until this worker has exited. */
  ref?(): void;
}

/** A kernel that threw on a worker thread, rethrown on the caller. */
export class KernelWorkerError extends Error {
  override name = 'KernelWorkerError';
}

/** Kernel calls posted to an engine's workers, and how many of them the caller ran itself. */
export interface WorkerCalls {
  posted: number;
  takenOver: number;
}

/** A kernel export, called with its arguments (pointers and sizes). */
export type KernelFunction = (...args: number[]) => unknown;

/**
 * Workers that each hold an instance of the kernel module over the engine's shared memory and wait for
 * the caller to post them a kernel call: watching for WORKER_POLL_US after each call, then asleep in
 * Atomics.wait. The caller posts calls with `post`, does its own share, then `join`s, which blocks
 * until every posted call has finished. A call its worker has not started by then (a thread that the
 * OS has yet to wake, or has put aside) the caller takes over and runs itself: it would otherwise wait
 * for the start and then the whole call. Whoever claims a call first runs it, so each runs once, with
 * the same arguments and so the same bits.
 */
export class ThreadPool {
  private readonly ints: Int32Array[];
  private readonly args: Float64Array[];
  private readonly finishTimes: Float64Array[];
  private readonly posted: boolean[];
  /** Per worker: whether its posted call must run on its own instance (a setting of that instance). */
  private readonly forWorkerOnly: boolean[];
  private readonly takenOver: boolean[];
  private readonly call: number[] = [];
  private sequence = 0;
  private takenOverCount = 0;
  private closed = false;

  private constructor(private readonly workers: AnyWorker[], private readonly control: SharedArrayBuffer,
    readonly exited: Promise<void>, private readonly callerKernels: readonly KernelFunction[]) {
    this.ints = workers.map((_, w) => new Int32Array(control, w * SLOT_BYTES, ARGS_OFFSET / 4));
    this.args = workers.map((_, w) => new Float64Array(control, w * SLOT_BYTES + ARGS_OFFSET, MAX_ARGS));
    this.finishTimes = workers.map((_, w) => new Float64Array(control, w * SLOT_BYTES + FINISHED_AT_OFFSET, 1));
    this.posted = workers.map(() => false);
    this.forWorkerOnly = workers.map(() => false);
    this.takenOver = workers.map(() => false);
  }

  /**
   * Starts `count` workers and resolves once each has instantiated the module (or rejects with why not).
   * `callerKernels[i]` is kernel `kernelNames[i]` in the caller's own instance (to run a call a worker
   * has not started).
   */
  static async start(count: number, module: WebAssembly.Module, memory: WebAssembly.Memory,
    kernelNames: readonly string[], callerKernels: readonly KernelFunction[]): Promise<ThreadPool> {
    const control = new SharedArrayBuffer(count * SLOT_BYTES);
    const started = Array.from({ length: count }, () => spawn());
    const workers = started.map((s) => s.worker);
    const ready = started.map((s, slot) => {
      const start: WorkerStart = { module, memory, control, slot, kernelNames };
      s.worker.postMessage(start);
      return s.hello;
    });
    const hellos = await Promise.all(ready);
    const failed = hellos.find((h): h is Extract<WorkerHello, { ready: false }> => !h.ready);
    const exited = Promise.all(started.map((s) => s.exited)).then(() => undefined);
    if (failed) {
      for (const worker of workers) worker.terminate();
      throw new KernelWorkerError(`a kernel worker could not instantiate the module: ${failed.error}`);
    }
    return new ThreadPool(workers, control, exited, callerKernels);
  }

  /** Workers, not counting the caller. */
  get size(): number {
    return this.workers.length;
  }

  /** The argument slots of worker `w`, to be filled before `post(w, …)`. */
  argsOf(w: number): Float64Array {
    return this.args[w]!;
  }

  /** Wakes worker `w` to run kernel number `kernel` on the first `argc` values of `argsOf(w)`. */
  post(w: number, kernel: number, argc: number): void {
    this.postCall(w, kernel, argc, false);
  }

  /**
   * As `post`, for a call that sets something in worker `w`'s own instance of the module (its GEMM
   * tiles): `join` waits for the worker to run it, never running it on the caller's instance.
   */
  postToWorker(w: number, kernel: number, argc: number): void {
    this.postCall(w, kernel, argc, true);
  }

  private postCall(w: number, kernel: number, argc: number, forWorkerOnly: boolean): void {
    const ints = this.ints[w]!;
    ints[KERNEL] = kernel;
    ints[ARGC] = argc;
    this.posted[w] = true;
    this.forWorkerOnly[w] = forWorkerOnly;
    Atomics.store(ints, POSTED, ++this.sequence);
    Atomics.notify(ints, POSTED, 1);
  }

  /**
   * When worker `w` finished its last job, on the clock of `now()` (valid after `join`, unless
   * `ranOnCaller(w)`): with the time it was posted, how long the job took it, waking included.
   */
  finishedAt(w: number): number {
    return this.finishTimes[w]![0]!;
  }

  /** Calls posted to the workers so far, and how many of them `join` ran on the caller (see `ranOnCaller`). */
  get calls(): WorkerCalls {
    return { posted: this.sequence, takenOver: this.takenOverCount };
  }

  /** Whether the last `join` ran worker `w`'s call on the caller, the worker not having started it. */
  ranOnCaller(w: number): boolean {
    return this.takenOver[w]!;
  }

  /**
   * Blocks until every posted call has finished, running on the caller each call its worker has not
   * started (but those posted with `postToWorker`); throws the first worker's error, if one threw.
   */
  join(): void {
    let failure: string | undefined;
    for (let w = 0; w < this.workers.length; w++) {
      this.takenOver[w] = false;
      if (!this.posted[w]) continue;
      this.posted[w] = false;
      const ints = this.ints[w]!;
      const expected = Atomics.load(ints, POSTED);
      if (!this.forWorkerOnly[w] && this.claim(ints, expected)) {
        this.takenOver[w] = true;
        this.takenOverCount++;
        const error = this.runOnCaller(w);
        if (error !== undefined && failure === undefined) failure = error;
        continue;
      }
      // The clock read every 64 loads: on Node 20 each performance.now() allocates a number, and a step
      // that waits would make garbage.
      for (let spins = 1, until = performance.now() + JOIN_POLL_US / 1000;
        Atomics.load(ints, DONE) !== expected && ((spins++ & 63) !== 0 || performance.now() < until););
      for (let done = Atomics.load(ints, DONE); done !== expected; done = Atomics.load(ints, DONE)) {
        if (canBlock) Atomics.wait(ints, DONE, done);
      }
      if (ints[STATUS] !== 0 && failure === undefined) failure = this.messageOf(w);
    }
    if (failure !== undefined) throw new KernelWorkerError(failure);
  }

  /** Claims job `job` of a worker for the caller, unless the worker has claimed it. */
  private claim(ints: Int32Array, job: number): boolean {
    const claimed = Atomics.load(ints, CLAIMED);
    return claimed !== job && Atomics.compareExchange(ints, CLAIMED, claimed, job) === claimed;
  }

  /** Runs worker `w`'s posted call here; what it threw, worded as a worker's error (it was the worker's share). */
  private runOnCaller(w: number): string | undefined {
    const ints = this.ints[w]!, args = this.args[w]!, call = this.call;
    call.length = ints[ARGC]!;
    for (let i = 0; i < call.length; i++) call[i] = args[i]!;
    try {
      this.callerKernels[ints[KERNEL]!]!.apply(undefined, call);
      return undefined;
    } catch (error) {
      return `kernel worker ${w + 1} threw: ${String(error)}`;
    }
  }

  /** Tells every worker to return; they exit once their current call (if any) has finished. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (let w = 0; w < this.workers.length; w++) {
      // Referenced again, so that the process lives to see the workers' exit (and `exited` resolves).
      this.workers[w]!.ref?.();
      this.post(w, -1, 0);
    }
  }

  private messageOf(w: number): string {
    const ints = this.ints[w]!;
    const bytes = new Uint8Array(this.control, w * SLOT_BYTES + MESSAGE_OFFSET, ints[MESSAGE_LENGTH]!);
    return `kernel worker ${w + 1} threw: ${new TextDecoder().decode(bytes.slice())}`;
  }
}

/** The time on a clock every thread shares (ms): a worker's `finishedAt` is on it. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * How long `join` watches for a worker that is running its call before it sleeps in Atomics.wait (µs): a
 * caller woken from its sleep goes on 10–20 µs after the worker has finished.
 */
const JOIN_POLL_US = 200;

/** The main thread of a browser page may not Atomics.wait: there `join` polls (the workers are busy then). */
const canBlock = (() => {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
})();

interface Spawned {
  worker: AnyWorker;
  hello: Promise<WorkerHello>;
  exited: Promise<void>;
}

type NodeWorker = AnyWorker & {
  once(event: 'message', listener: (hello: WorkerHello) => void): void;
  once(event: 'error', listener: (error: Error) => void): void;
  once(event: 'exit', listener: () => void): void;
  unref(): void;
  ref(): void;
};
type NodeWorkerThreads = { Worker: new (source: string, options: { eval: true }) => NodeWorker };

/** A worker_threads Worker in Node, a Web Worker elsewhere, running the kernel worker's source. */
function spawn(): Spawned {
  const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    ?.getBuiltinModule;
  const threads = getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined;
  if (threads) {
    const worker = new threads.Worker(nodeWorkerSource(), { eval: true });
    // Unreferenced: a program that forgets engine.dispose() still exits when its own work is done.
    worker.unref();
    const hello = new Promise<WorkerHello>((resolve) => {
      worker.once('message', resolve);
      worker.once('error', (error) => resolve({ ready: false, error: String(error) }));
    });
    const exited = new Promise<void>((resolve) => worker.once('exit', resolve));
    return { worker, hello, exited };
  }
  const url = URL.createObjectURL(new Blob([webWorkerSource()], { type: 'text/javascript' }));
  const worker = new Worker(url);
  const hello = new Promise<WorkerHello>((resolve) => {
    worker.onmessage = (event: MessageEvent<WorkerHello>) => resolve(event.data);
    worker.onerror = (event) => resolve({ ready: false, error: event.message });
  }).finally(() => URL.revokeObjectURL(url));
  // A Web Worker reports no exit; it has ended once it has closed itself after the exit call.
  return { worker, hello, exited: Promise.resolve() };
}
