let saidOnce = false;

/**
 * All cores in Node; in a browser, all cores where the page is cross-origin isolated (the only place a
 * WebAssembly.Memory can be shared), else 1, said once on the console with what would change it.
 */
export function defaultThreads(): number {
  const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    ?.getBuiltinModule;
  const os = getBuiltinModule?.('node:os') as { availableParallelism(): number } | undefined;
  if (os) return os.availableParallelism();
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true) return cores;
  if (!saidOnce && cores > 1) {
    saidOnce = true;
    console.info(`heavyball: training on 1 thread of ${cores}: this page is not cross-origin isolated. Serve it with `
      + "the headers 'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp' to use them all.");
  }
  return 1;
}
