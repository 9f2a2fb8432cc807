import relaxedBytes from '../../build/heavyball-relaxed.wasm';

/**
 * Whether `works()` holds, setting V8's `flag` first if, and only if, it does not and this is Node: a V8
 * flag must be set before compiling (NODE_OPTIONS refuses wasm flags), and a V8 that no longer knows a
 * flag prints an error for it, so the probe decides rather than the version. process.getBuiltinModule
 * reaches node:v8 without an import a browser bundle would trip on.
 */
export function withV8Flag(flag: string, works: () => boolean): boolean {
  if (works()) return true;
  const v8 = nodeV8();
  if (!v8) return false;
  v8.setFlagsFromString(flag);
  return works();
}

interface V8 {
  setFlagsFromString(flags: string): void;
}

function nodeProcess(): { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } } | undefined {
  return (globalThis as { process?: ReturnType<typeof nodeProcess> }).process;
}

function nodeV8(): V8 | undefined {
  return nodeProcess()?.getBuiltinModule?.('node:v8') as V8 | undefined;
}

/**
 * Sets V8's `flag` and keeps it if `check()` (which compiles and runs code under it) passes, else clears
 * it again (`--no-…`) and answers false. Without node:v8 (a browser) it sets nothing and answers false.
 */
export async function withCheckedV8Flag(flag: string, check: () => Promise<boolean>, v8 = nodeV8()): Promise<boolean> {
  if (!v8) return false;
  v8.setFlagsFromString(flag);
  if (await check()) return true;
  v8.setFlagsFromString(`--no-${flag.slice(2)}`);
  return false;
}

const REVECTORIZE = '--experimental-wasm-revectorize';
let revectorizer: Promise<boolean> | undefined;

/**
 * V8's revectorizer (Node ≥ 24, behind a flag) fuses pairs of f32x4 operations into 256-bit AVX2 ones
 * when it optimizes a function. Decided once per process, before the first kernel module compiles: on
 * where `check()` finds the known bits under the flag, off (and the flag cleared) anywhere else.
 */
export function useRevectorizer(check: () => Promise<boolean>): Promise<boolean> {
  const major = Number(nodeProcess()?.versions?.node?.split('.')[0] ?? 0);
  revectorizer ??= major >= 24 ? withCheckedV8Flag(REVECTORIZE, check) : Promise.resolve(false);
  return revectorizer;
}

/** Whether this process's kernel modules compile under the revectorizer (decided by the first engine). */
export function usesRevectorizer(): Promise<boolean> {
  return revectorizer ?? Promise.resolve(false);
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
