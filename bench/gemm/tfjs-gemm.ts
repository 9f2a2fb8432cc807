import type { DisposableContender } from '../harness/interleave.js';
import type { Tf } from '../tfjs/load-tfjs.js';
import type { GemmShape, Transpose } from './gemm-shapes.js';

/** tf.matMul(a, b, transposeA, transposeB) on the wasm backend, which computes it synchronously. */
export function tfjsGemm(name: string, tf: Tf, shape: GemmShape, transpose: Transpose): DisposableContender {
  const { m, n, k } = shape;
  const transA = transpose[0] === 'T';
  const transB = transpose[1] === 'T';
  const a = tf.randomUniform(transA ? [k, m] : [m, k], -1, 1);
  const b = tf.randomUniform(transB ? [n, k] : [k, n], -1, 1);
  return {
    name,
    run(reps) {
      for (let r = 0; r < reps; r++) tf.matMul(a, b, transA, transB).dispose();
    },
    dispose() {
      a.dispose();
      b.dispose();
    },
  };
}
