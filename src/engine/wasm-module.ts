import { instantiate } from '@assemblyscript/loader';
import standardBytes from '../../build/heavyball.wasm';
import relaxedBytes from '../../build/heavyball-relaxed.wasm';
import relaxedSharedBytes from '../../build/heavyball-relaxed-shared.wasm';
import standardSharedBytes from '../../build/heavyball-shared.wasm';
import { type Kernels, kernelNames } from './kernels.js';

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

/** Compiles anew (not from the cache): after a V8 flag that changes code generation has been set or cleared. */
export function forgetCompiled(): void {
  compiled.clear();
}
