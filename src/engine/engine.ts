import { checkNumber, checkOneOf } from '../check.js';
import { Arena, WASM32_LIMIT } from './arena.js';
import { supportsRelaxedSimd, supportsSimd, usesRevectorizer } from './features.js';
import { createJsKernels } from './js/index.js';
import { heapOf } from './js/heap.js';
import { type GemmArgs, type KernelName, kernelNames, type Kernels } from './kernels.js';
import { ArrayBufferMemory, type GrowableMemory, WasmMemory } from './memory.js';
import { Parameter } from './parameter.js';
import { defaultThreads } from './threads/default-threads.js';
import { Balance } from './threads/balance.js';
import { type KernelFunction, ThreadPool, type WorkerCalls } from './threads/pool.js';
import {
  gemmsSideBySide, threadedConvForward, threadedConvInputGrad, threadedConvWeightGrad, threadedGemm, tileColumnsOf,
} from './threads/threaded-kernels.js';
import { threadedElementwise } from './threads/threaded-elementwise.js';
import { threadedGather } from './threads/threaded-gather.js';
import {
  type ConvBiasGradPart, threadedConvBiasGrad, threadedMaxPoolBackward, threadedMaxPoolForward,
} from './threads/threaded-planes.js';
import { instantiateKernels, type KernelModule } from './wasm-module.js';

/** The module's tile-width switch (assembly/gemm.ts), an export beside the kernels. */
interface TileExports {
  setWideTiles(on: number): void;
}

export interface EngineOptions {
  /** 'wasm' (default) needs WebAssembly SIMD; 'auto' falls back to 'js' where it is missing. */
  backend?: 'wasm' | 'js' | 'auto';
  /** 'standard' (default) is bit-reproducible everywhere; 'relaxed' uses FMA where supported. */
  simd?: 'standard' | 'relaxed' | 'auto';
  /** Upper bound of the engine's linear memory in bytes (default and most: 4 GiB). */
  maxMemoryBytes?: number;
  /**
   * Threads the kernels run on, the caller's included (wasm backend). Default: all cores in Node; in a
   * browser, all cores when the page is cross-origin isolated, else 1. Any count gives the same bits.
   */
  threads?: number;
}

/**
 * Told of every kernel call while installed (`engine.instrument`): its name, duration and arguments. A
 * `gemmPair` run side by side on two threads is told as one call, 'gemmPair', with both GEMMs' arguments.
 */
export type KernelHook = (name: KernelName | 'gemmPair', milliseconds: number, args: readonly number[]) => void;

/**
 * Owns one linear memory, the arena that plans it and the kernels that work on it. Everything a model
 * or optimizer needs is allocated once through it; a training step is kernel calls on its pointers.
 */
export class Engine {
  /** The kernels, called on pointers into this engine's memory; layers and optimizers may keep this object. */
  readonly kernels: Kernels;
  /** Packing workspace for `kernels.gemm`. */
  readonly workspace: number;
  private readonly arena: Arena;
  private isDisposed = false;
  private pool: ThreadPool | undefined;
  private sideBySide: ((first: GemmArgs, second: GemmArgs) => void) | undefined;
  private hook: KernelHook | undefined;
  private wide = false;
  /** The kernel module's own exports (the js backend's twins), which threading does not wrap. */
  private readonly plain: Kernels & Partial<TileExports>;
  /** The tile-width switch's number among the workers' exports (once they run). */
  private wideTilesIndex = 0;

  constructor(
    readonly backend: 'wasm' | 'js',
    readonly simd: 'standard' | 'relaxed' | 'none',
    private uninstrumented: Kernels,
    private readonly memory: GrowableMemory,
    heapBase: number,
    maxMemoryBytes: number,
  ) {
    this.plain = uninstrumented;
    this.kernels = Object.fromEntries(kernelNames.map((name) => [name, uninstrumented[name]])) as unknown as Kernels;
    this.arena = new Arena(memory, heapBase, maxMemoryBytes);
    this.workspace = this.arena.alloc(uninstrumented.gemmWorkspaceBytes());
  }

  /** Threads the kernels run on, the caller's included. */
  get threads(): number {
    return (this.pool?.size ?? 0) + 1;
  }

  /**
   * Kernel calls posted to this engine's workers so far, and how many of them the caller ran itself
   * because their worker had not started them by the time it had done its own share: a worker whose core
   * the OS, or a virtual machine's host, was giving to something else. A large share taken over means
   * the machine is not giving the engine its threads. Zeros without workers.
   */
  get workerCalls(): WorkerCalls {
    return this.pool?.calls ?? { posted: 0, takenOver: 0 };
  }

  /** Resolves once the engine's worker threads have ended, after `dispose()` (at once without workers). */
  get exited(): Promise<void> {
    return this.pool?.exited ?? Promise.resolve();
  }

  /**
   * Starts `threads − 1` workers on `module` over this engine's shared memory, each with its own GEMM
   * workspace, and routes the kernels that split by output (GEMM, convolution, pooling, elementwise kernels and
   * optimizer updates) through them.
   */
  async startThreads(threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<void> {
    const workspaces = Array.from({ length: threads - 1 }, () => this.arena.alloc(this.uninstrumented.gemmWorkspaceBytes()));
    // The kernels, and the exports only threads call: a block of the weight gradient, some channels' bias gradient.
    const names = [...kernelNames, 'convWeightGradPart', 'convBiasGradPart', 'setWideTiles'];
    const plain = this.uninstrumented;
    this.pool = await ThreadPool.start(threads - 1, module, memory, names,
      names.map((name) => (plain as unknown as Record<string, KernelFunction>)[name]!));
    const pool = this.pool;
    this.wideTilesIndex = names.indexOf('setWideTiles');
    if (this.wide) this.setWideTiles(true);
    const parts = plain as unknown as {
      convWeightGradPart: Parameters<typeof threadedConvWeightGrad>[0]; convBiasGradPart: ConvBiasGradPart;
    };
    const index = (name: string) => names.indexOf(name);
    // The bytes of an element at each pointer after n; `unit`: the kernel's vector step, in elements.
    const elementwise = <K extends KernelName>(name: K, pointerBytes: number[], unit?: number) =>
      threadedElementwise(plain[name] as Kernels['mul'], pool, index(name), pointerBytes, unit) as unknown as Kernels[K];
    const floats = (count: number) => new Array<number>(count).fill(4);
    const tileColumns = tileColumnsOf(() => this.wide);
    this.uninstrumented = {
      ...plain,
      gemm: threadedGemm(plain.gemm, pool, index('gemm'), workspaces, new Balance(threads), tileColumns),
      convForward: threadedConvForward(plain.convForward, pool, index('convForward'), workspaces),
      convWeightGrad: threadedConvWeightGrad(parts.convWeightGradPart, pool, index('convWeightGradPart'), workspaces),
      convInputGrad: threadedConvInputGrad(plain.convInputGrad, plain.convInputGradScratchBytes, pool, index('convInputGrad'), workspaces),
      convBiasGrad: threadedConvBiasGrad(parts.convBiasGradPart, pool, index('convBiasGradPart')),
      maxPoolForward: threadedMaxPoolForward(plain.maxPoolForward, pool, index('maxPoolForward')),
      maxPoolBackward: threadedMaxPoolBackward(plain.maxPoolBackward, pool, index('maxPoolBackward')),
      sgdStep: elementwise('sgdStep', floats(3)),
      adamStep: elementwise('adamStep', floats(5)),
      rmspropStep: elementwise('rmspropStep', floats(5)),
      reluForward: elementwise('reluForward', floats(2)),
      reluBackward: elementwise('reluBackward', floats(3)),
      tanhForward: elementwise('tanhForward', floats(2)),
      tanhBackward: elementwise('tanhBackward', floats(3)),
      sigmoidForward: elementwise('sigmoidForward', floats(2)),
      sigmoidBackward: elementwise('sigmoidBackward', floats(3)),
      mul: elementwise('mul', floats(3)),
      normalizeU8: elementwise('normalizeU8', [1, 4], 16),
      gatherScaleU8: threadedGather(plain.gatherScaleU8, pool, index('gatherScaleU8')),
    };
    if (threads === 2) this.sideBySide = gemmsSideBySide(plain.gemm, pool, index('gemm'), workspaces[0]!, new Balance(2), tileColumns);
    this.instrument();
  }

  /**
   * Calls `hook` after every kernel call (timed with performance.now) until `instrument()` removes it:
   * for profiling, e.g. the benchmarks' breakdown of a training step. Without a hook the kernels are
   * called directly, at no cost.
   */
  instrument(hook?: KernelHook): void {
    this.hook = hook;
    const kernels = this.kernels as unknown as Record<KernelName, (...args: number[]) => unknown>;
    for (const name of kernelNames) {
      const kernel = this.uninstrumented[name] as (...args: number[]) => unknown;
      kernels[name] = hook === undefined ? kernel : (...args: number[]) => {
        const start = performance.now();
        const result = kernel(...args);
        hook(name, performance.now() - start, args);
        return result;
      };
    }
  }

  /**
   * Whether the GEMM runs 4×16 tiles (two packed panels at once) where it can, instead of 4×8: on where
   * V8's revectorizer fuses pairs of f32x4 operations (Node ≥ 24), which the engine decides when it is made.
   * The bits are the same either way; only the speed differs.
   */
  get wideTiles(): boolean {
    return this.wide;
  }

  /** Turns wide tiles on or off on every thread (a wasm engine's; the js backend has no tiles). For comparing the two. */
  setWideTiles(on: boolean): void {
    this.assertLive();
    if (this.plain.setWideTiles === undefined) return;
    this.plain.setWideTiles(on ? 1 : 0);
    this.wide = on;
    const pool = this.pool;
    if (pool === undefined) return;
    for (let w = 0; w < pool.size; w++) {
      pool.argsOf(w)[0] = on ? 1 : 0;
      pool.postToWorker(w, this.wideTilesIndex, 1);
    }
    pool.join();
  }

  /** The WebAssembly.Memory of a wasm engine (e.g. for another module to work on the same bytes); undefined for the js backend. */
  get wasmMemory(): WebAssembly.Memory | undefined {
    return this.memory instanceof WasmMemory ? this.memory.memory : undefined;
  }

  get buffer(): ArrayBuffer {
    this.assertLive();
    return this.memory.buffer;
  }

  get disposed(): boolean {
    return this.isDisposed;
  }

  /**
   * Two GEMMs of which neither reads what the other writes (a linear layer's weight and input gradients,
   * which have the same size): on two threads, the caller computes `first` while the worker computes a
   * band of `second`, the two sharing out `second` so that both finish together; otherwise one after the
   * other, each cut across every thread. Each gives the bits it gives alone.
   */
  gemmPair(first: GemmArgs, second: GemmArgs): void {
    if (this.sideBySide === undefined) {
      this.kernels.gemm(...first);
      this.kernels.gemm(...second);
    } else if (this.hook === undefined) {
      this.sideBySide(first, second);
    } else {
      const start = performance.now();
      this.sideBySide(first, second);
      this.hook('gemmPair', performance.now() - start, [...first, ...second]);
    }
  }

  /** Bytes currently allocated from the arena (the GEMM workspace included). */
  get bytesInUse(): number {
    return this.arena.bytesInUse;
  }

  /** A zero-filled, 16-byte-aligned block; throws RangeError naming the bytes when it can't be had. */
  alloc(bytes: number): number {
    this.assertLive();
    return this.arena.alloc(bytes);
  }

  free(ptr: number): void {
    this.assertLive();
    this.arena.free(ptr);
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.buffer, ptr, length);
  }

  u8(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.buffer, ptr, length);
  }

  /** A standalone parameter holding `values` (or `values` zeros), with a zeroed gradient. */
  parameter(values: ArrayLike<number> | number, shape?: readonly number[]): Parameter {
    const size = typeof values === 'number' ? values : values.length;
    const dims = shape ?? [size];
    if (dims.reduce((a, b) => a * b, 1) !== size) {
      throw new RangeError(`parameter shape [${dims.join(', ')}] does not hold ${size} values`);
    }
    const dataPtr = this.alloc(size * 4);
    const gradPtr = this.alloc(size * 4);
    const p = new Parameter(this, dataPtr, gradPtr, dims);
    if (typeof values !== 'number') p.data.set(values);
    return p;
  }

  /** Ends the worker threads (see `exited`); any later use of the engine throws. */
  dispose(): void {
    this.isDisposed = true;
    this.pool?.dispose();
  }

  private assertLive(): void {
    if (this.isDisposed) throw new Error('this engine has been disposed; create a new one with createEngine()');
  }
}

function checkOptions({ backend, simd, maxMemoryBytes, threads }: EngineOptions): void {
  if (backend !== undefined) checkOneOf('backend', backend, ['wasm', 'js', 'auto']);
  if (simd !== undefined) checkOneOf('simd', simd, ['standard', 'relaxed', 'auto']);
  if (maxMemoryBytes !== undefined && checkNumber('maxMemoryBytes', maxMemoryBytes, '> 0') > WASM32_LIMIT) {
    throw new RangeError(`maxMemoryBytes must be at most ${WASM32_LIMIT} (4 GiB, wasm32's limit), got ${maxMemoryBytes}`);
  }
  if (threads !== undefined && !(Number.isInteger(checkNumber('threads', threads)) && threads >= 1 && threads <= 256)) {
    throw new RangeError(`threads must be an integer in [1, 256], got ${threads}`);
  }
  if (threads !== undefined && threads > 1 && backend === 'js') {
    throw new RangeError(`threads must be 1 with the js backend, got ${threads}`);
  }
  if (threads !== undefined && threads > 1 && typeof SharedArrayBuffer !== 'function') {
    throw new RangeError(`threads must be 1 here, got ${threads}: there is no SharedArrayBuffer (a browser page `
      + 'shares memory only when cross-origin isolated, with the COOP and COEP headers)');
  }
}

function createJsEngine(limit: number): Engine {
  const memory = new ArrayBufferMemory(65536);
  return new Engine('js', 'none', createJsKernels(heapOf(memory)), memory, 0, limit);
}

const PAGE = 65536;

async function createWasmEngine(simd: 'standard' | 'relaxed', limit: number, threads: number): Promise<Engine> {
  const shared = threads > 1
    ? new WebAssembly.Memory({ initial: 1, maximum: Math.ceil(limit / PAGE), shared: true })
    : undefined;
  const module: KernelModule = await instantiateKernels(simd, shared);
  const engine = new Engine('wasm', simd, module.kernels, new WasmMemory(module.memory), module.heapBase, limit);
  if (await usesRevectorizer()) engine.setWideTiles(true);
  if (shared) await engine.startThreads(threads, module.module, shared);
  warmUp(engine);
  return engine;
}

/** V8 tiers a hot function up on its next call: run the GEMM micro-kernel once before timing matters. */
function warmUp(engine: Engine): void {
  const n = 32;
  const a = engine.alloc(n * n * 4);
  const c = engine.alloc(n * n * 4);
  for (let i = 0; i < 2; i++) engine.kernels.gemm(0, 1, n, n, n, 1, a, n, a, n, 0, c, n, 0, 0, engine.workspace);
  engine.free(c);
  engine.free(a);
}

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  checkOptions(options);
  const { backend = 'wasm', simd = 'standard', maxMemoryBytes = WASM32_LIMIT } = options;
  const threads = options.threads ?? (backend === 'js' ? 1 : defaultThreads());
  if (backend === 'js') return createJsEngine(maxMemoryBytes);
  if (!supportsSimd()) {
    if (backend === 'auto') return createJsEngine(maxMemoryBytes);
    throw new Error("this JavaScript engine has no WebAssembly SIMD; use createEngine({ backend: 'auto' }) or 'js'");
  }
  const flavour = simd !== 'standard' && supportsRelaxedSimd() ? 'relaxed' : 'standard';
  return createWasmEngine(flavour, maxMemoryBytes, threads);
}
