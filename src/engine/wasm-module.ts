import { instantiate } from '@assemblyscript/loader';
import standardBytes from '../../build/heavyball.wasm';
import relaxedBytes from '../../build/heavyball-relaxed.wasm';
import { type Kernels, kernelNames } from './kernels.js';

export interface KernelModule {
  kernels: Kernels;
  memory: WebAssembly.Memory;
  /** First byte past the module's static data. */
  heapBase: number;
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** Compile once per flavour, instantiate per engine (each engine owns its memory). */
export async function instantiateKernels(simd: 'standard' | 'relaxed'): Promise<KernelModule> {
  let module = compiled.get(simd);
  if (!module) {
    module = WebAssembly.compile(simd === 'relaxed' ? relaxedBytes : standardBytes);
    compiled.set(simd, module);
  }
  const { exports } = await instantiate<Record<string, unknown>>(await module, {});
  for (const name of kernelNames) {
    if (typeof exports[name] !== 'function') throw new Error(`the ${simd} kernel module does not export ${name}`);
  }
  return {
    kernels: exports as unknown as Kernels,
    memory: exports.memory as WebAssembly.Memory,
    heapBase: (exports.heapBase as () => number)(),
  };
}
