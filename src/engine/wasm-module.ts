import { instantiate } from '@assemblyscript/loader';
import standardBytes from '../../build/heavyball.wasm';
import relaxedBytes from '../../build/heavyball-relaxed.wasm';
import relaxedSharedBytes from '../../build/heavyball-relaxed-shared.wasm';
import standardSharedBytes from '../../build/heavyball-shared.wasm';
import { useRevectorizer } from './features.js';
import { type Kernels, kernelNames } from './kernels.js';
import { gemmGivesKnownAnswer, knownAnswerScratchBytes } from './known-answer.js';

export interface KernelModule {
  kernels: Kernels;
  memory: WebAssembly.Memory;
  /** The compiled module, for worker threads to instantiate over the same (shared) memory. */
  module: WebAssembly.Module;
  /** First byte past the module's static data. */
  heapBase: number;
}

/**
 * Each flavour twice: the plain module owns (exports) its memory; the shared one imports a shared
 * memory, which worker threads can use too. The plain one stays because a browser page that is not
 * cross-origin isolated cannot create a shared memory.
 */
const bytes = {
  standard: standardBytes,
  relaxed: relaxedBytes,
  'standard-shared': standardSharedBytes,
  'relaxed-shared': relaxedSharedBytes,
};
const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** Compile once per flavour, instantiate per engine (each engine owns its memory); `shared` is imported. */
export async function instantiateKernels(simd: 'standard' | 'relaxed', shared?: WebAssembly.Memory): Promise<KernelModule> {
  await useRevectorizer(revectorizedGemmIsExact);
  const flavour = shared ? `${simd}-shared` as const : simd;
  let module = compiled.get(flavour);
  if (!module) {
    module = WebAssembly.compile(bytes[flavour]);
    compiled.set(flavour, module);
  }
  const compiledModule = await module;
  const { exports } = await instantiate<Record<string, unknown>>(compiledModule, shared ? { env: { memory: shared } } : {});
  for (const name of kernelNames) {
    if (typeof exports[name] !== 'function') throw new Error(`the ${flavour} kernel module does not export ${name}`);
  }
  return {
    kernels: exports as unknown as Kernels,
    memory: shared ?? exports.memory as WebAssembly.Memory,
    module: compiledModule,
    heapBase: (exports.heapBase as () => number)(),
  };
}

/**
 * The standard module compiled and run under the revectorizer: whether its GEMM, once V8 has optimized
 * it, still gives the known bits, with the wide tiles engines then use (and narrow ones at the edges).
 * Compiled here, not through the cache, which then fills under the flag's final state.
 */
export async function revectorizedGemmIsExact(): Promise<boolean> {
  const { exports } = await instantiate<Record<string, unknown>>(await WebAssembly.compile(standardBytes), {});
  (exports.setWideTiles as (on: number) => void)(1);
  const memory = exports.memory as WebAssembly.Memory;
  const kernels = exports as unknown as Kernels;
  const scratch = Math.ceil((exports.heapBase as () => number)() / 16) * 16;
  const work = scratch + knownAnswerScratchBytes();
  const end = work + kernels.gemmWorkspaceBytes();
  memory.grow(Math.max(0, Math.ceil(end / 65536) - memory.buffer.byteLength / 65536));
  return gemmGivesKnownAnswer(kernels.gemm, (ptr, length) => new Float32Array(memory.buffer, ptr, length), scratch, work);
}
