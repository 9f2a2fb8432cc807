import relaxedBytes from '../../build/heavyball-relaxed.wasm';

/**
 * Node 20 compiles relaxed-SIMD modules only behind a V8 flag, which must be set before compiling
 * (NODE_OPTIONS refuses it). process.getBuiltinModule reaches node:v8 without an import a browser
 * bundle would trip on.
 */
function enableRelaxedSimdInNode(): void {
  const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
    .process?.getBuiltinModule;
  const v8 = getBuiltinModule?.('node:v8') as { setFlagsFromString(flags: string): void } | undefined;
  v8?.setFlagsFromString('--experimental-wasm-relaxed-simd');
}

let relaxedSupport: boolean | undefined;

export function supportsRelaxedSimd(): boolean {
  if (relaxedSupport === undefined) {
    enableRelaxedSimdInNode();
    relaxedSupport = typeof WebAssembly === 'object' && WebAssembly.validate(relaxedBytes);
  }
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
