import { checkNumber, checkOneOf } from '../check.js';
import { Arena, WASM32_LIMIT } from './arena.js';
import { supportsRelaxedSimd, supportsSimd } from './features.js';
import { createJsKernels } from './js/index.js';
import { heapOf } from './js/heap.js';
import { type KernelName, kernelNames, type Kernels } from './kernels.js';
import { ArrayBufferMemory, type GrowableMemory, WasmMemory } from './memory.js';
import { Parameter } from './parameter.js';
import { instantiateKernels } from './wasm-module.js';

export interface EngineOptions {
  /** 'wasm' (default) needs WebAssembly SIMD; 'auto' falls back to 'js' where it is missing. */
  backend?: 'wasm' | 'js' | 'auto';
  /** 'standard' (default) is bit-reproducible everywhere; 'relaxed' uses FMA where supported. */
  simd?: 'standard' | 'relaxed' | 'auto';
  /** Upper bound of the engine's linear memory in bytes (default and most: 4 GiB). */
  maxMemoryBytes?: number;
}

/** Told of every kernel call while installed (`engine.instrument`): its name, duration and arguments. */
export type KernelHook = (name: KernelName, milliseconds: number, args: readonly number[]) => void;

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

  constructor(
    readonly backend: 'wasm' | 'js',
    readonly simd: 'standard' | 'relaxed' | 'none',
    private readonly uninstrumented: Kernels,
    private readonly memory: GrowableMemory,
    heapBase: number,
    maxMemoryBytes: number,
  ) {
    this.kernels = Object.fromEntries(kernelNames.map((name) => [name, uninstrumented[name]])) as unknown as Kernels;
    this.arena = new Arena(memory, heapBase, maxMemoryBytes);
    this.workspace = this.arena.alloc(uninstrumented.gemmWorkspaceBytes());
  }

  /**
   * Calls `hook` after every kernel call (timed with performance.now) until `instrument()` removes it:
   * for profiling, e.g. the benchmarks' breakdown of a training step. Without a hook the kernels are
   * called directly, at no cost.
   */
  instrument(hook?: KernelHook): void {
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

  dispose(): void {
    this.isDisposed = true;
  }

  private assertLive(): void {
    if (this.isDisposed) throw new Error('this engine has been disposed; create a new one with createEngine()');
  }
}

function checkOptions({ backend, simd, maxMemoryBytes }: EngineOptions): void {
  if (backend !== undefined) checkOneOf('backend', backend, ['wasm', 'js', 'auto']);
  if (simd !== undefined) checkOneOf('simd', simd, ['standard', 'relaxed', 'auto']);
  if (maxMemoryBytes !== undefined && checkNumber('maxMemoryBytes', maxMemoryBytes, '> 0') > WASM32_LIMIT) {
    throw new RangeError(`maxMemoryBytes must be at most ${WASM32_LIMIT} (4 GiB, wasm32's limit), got ${maxMemoryBytes}`);
  }
}

function createJsEngine(limit: number): Engine {
  const memory = new ArrayBufferMemory(65536);
  return new Engine('js', 'none', createJsKernels(heapOf(memory)), memory, 0, limit);
}

async function createWasmEngine(simd: 'standard' | 'relaxed', limit: number): Promise<Engine> {
  const module = await instantiateKernels(simd);
  const engine = new Engine('wasm', simd, module.kernels, new WasmMemory(module.memory), module.heapBase, limit);
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
  if (backend === 'js') return createJsEngine(maxMemoryBytes);
  if (!supportsSimd()) {
    if (backend === 'auto') return createJsEngine(maxMemoryBytes);
    throw new Error("this JavaScript engine has no WebAssembly SIMD; use createEngine({ backend: 'auto' }) or 'js'");
  }
  const flavour = simd !== 'standard' && supportsRelaxedSimd() ? 'relaxed' : 'standard';
  return createWasmEngine(flavour, maxMemoryBytes);
}
