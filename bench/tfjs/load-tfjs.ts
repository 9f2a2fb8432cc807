import { progress } from '../harness/log.js';

export type Tf = typeof import('@tensorflow/tfjs');

let loading: Promise<Tf | null> | undefined;

/**
 * TensorFlow.js on its WebAssembly backend (SIMD; Node has no wasm threads for it), or null with a
 * note when the packages are missing: the comparisons are then left out, not failed.
 */
export function loadTfjsWasm(): Promise<Tf | null> {
  loading ??= (async () => {
    try {
      const tf = await import('@tensorflow/tfjs');
      await import('@tensorflow/tfjs-backend-wasm');
      if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed");
      await tf.ready();
      return tf;
    } catch (error) {
      progress(`TensorFlow.js wasm backend unavailable, its comparisons are left out: ${(error as Error).message}`);
      return null;
    }
  })();
  return loading;
}

/** Whether TF.js's wasm backend found SIMD (it falls back to a scalar build without). */
export async function tfjsWasmFlags(tf: Tf): Promise<{ simd: boolean; threads: boolean }> {
  return {
    simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    threads: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
  };
}
