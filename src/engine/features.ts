import relaxedBytes from '../../build/heavyball-relaxed.wasm';

/**
 * Whether `works()` holds, setting V8's `flag` first if, and only if, it does not and this is Node: a V8
 * flag must be set before compiling (NODE_OPTIONS refuses wasm flags), and a V8 that no longer knows a
 * flag prints an error for it, so the probe decides rather than the version. process.getBuiltinModule
 * reaches node:v8 without an import a browser bundle would trip on.
 */
export function withV8Flag(flag: string, works: () => boolean): boolean {
  if (works()) return true;
  const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
    .process?.getBuiltinModule;
  const v8 = getBuiltinModule?.('node:v8') as { setFlagsFromString(flags: string): void } | undefined;
  if (!v8) return false;
  v8.setFlagsFromString(flag);
  return works();
}

let relaxedSupport: boolean | undefined;

/** Relaxed SIMD: on by default in browsers and Node ≥ 22; Node 20 compiles it behind a flag. */
export function supportsRelaxedSimd(): boolean {
  relaxedSupport ??= typeof WebAssembly === 'object'
    && withV8Flag('--experimental-wasm-relaxed-simd', () => WebAssembly.validate(relaxedBytes));
  return relaxedSupport;
}

/** The smallest module that uses a v128 instruction: (func (result v128) (v128.const i32x4 0 0 0 0)). */
const simdProbe = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
]);

export function supportsSimd(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(simdProbe);
}
