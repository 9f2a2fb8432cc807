import { expect } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/index.js';

/** The js backend and both wasm builds, checking that the relaxed one really is relaxed here. */
export async function kernelBackends(): Promise<{ js: Engine; wasm: Engine[] }> {
  const js = await createEngine({ backend: 'js' });
  const standard = await createEngine({ backend: 'wasm', simd: 'standard' });
  const relaxed = await createEngine({ backend: 'wasm', simd: 'relaxed' });
  expect(relaxed.simd).toBe('relaxed');
  return { js, wasm: [standard, relaxed] };
}
