import type { Engine } from '../../src/engine/engine.js';
import { randomFloats } from '../harness/fill.js';
import type { DisposableContender } from '../harness/interleave.js';
import type { GemmShape, Transpose } from './gemm-shapes.js';

/** `engine.kernels.gemm` on random operands of the shape, C overwritten (beta = 0), no epilogue. */
export function heavyballGemm(name: string, engine: Engine, shape: GemmShape, transpose: Transpose): DisposableContender {
  const { m, n, k } = shape;
  const transA = transpose[0] === 'T' ? 1 : 0;
  const transB = transpose[1] === 'T' ? 1 : 0;
  const a = engine.alloc(m * k * 4);
  const b = engine.alloc(k * n * 4);
  const c = engine.alloc(m * n * 4);
  engine.f32(a, m * k).set(randomFloats(m * k, 1));
  engine.f32(b, k * n).set(randomFloats(k * n, 2));
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  const { kernels, workspace } = engine;
  return {
    name,
    run(reps) {
      for (let r = 0; r < reps; r++) kernels.gemm(transA, transB, m, n, k, 1, a, lda, b, ldb, 0, c, n, 0, 0, workspace);
    },
    dispose() {
      engine.free(c);
      engine.free(b);
      engine.free(a);
    },
  };
}
