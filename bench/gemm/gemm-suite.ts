import type { Engine } from '../../src/engine/engine.js';
import { type Ceiling, ceilingContender } from '../ceiling/ceiling-suite.js';
import { type DisposableContender, interleave, renamed } from '../harness/interleave.js';
import { progress } from '../harness/log.js';
import type { Settings } from '../harness/settings.js';
import { rates, type Summary } from '../harness/stats.js';
import type { Tf } from '../tfjs/load-tfjs.js';
import { flops, type GemmShape, gemmShapes, shapeLabel, type Transpose, transposes } from './gemm-shapes.js';
import { heavyballGemm } from './heavyball-gemm.js';
import { tfjsGemm } from './tfjs-gemm.js';

export const gemmBackends = ['wasm standard', 'wasm relaxed', 'js', 'tf.js wasm'] as const;
export type GemmBackend = (typeof gemmBackends)[number];

export interface GemmRow {
  shape: string;
  m: number;
  n: number;
  k: number;
  transpose: Transpose;
  /** What the training step uses this product for, if anything. */
  role: string | null;
  training: boolean;
  /** GFLOP/s by backend (absent: not measured at this size). */
  gflops: Partial<Record<GemmBackend, Summary>>;
  /** The ceiling's best variants, sampled in the same rounds as this product (GFLOP/s). */
  ceiling: { mulAdd: Summary; fma: Summary | null };
  /** Medians as a fraction of those ceilings: standard of mul+add, relaxed of FMA. */
  ofCeiling: { standard: number | null; relaxed: number | null };
}

export interface GemmEngines {
  standard: Engine;
  relaxed: Engine | null;
  js: Engine;
}

const MUL_ADD = 'mul+add ceiling';
const FMA = 'FMA ceiling';

interface Product {
  shape: GemmShape;
  transpose: Transpose;
}

/**
 * Every shape × transpose × backend and the best ceiling variants, all in one interleaved set of rounds:
 * a round runs every product on every backend and the ceilings once, so a burst of load falls on all of
 * them alike instead of on one shape's comparison, and each product is compared with the ceiling as the
 * machine was over the same rounds. The js backend skips 1024³ (seconds a product) and, with --quick,
 * every size but the training ones; with --quick the square sizes run NN only.
 */
export function measureGemm(settings: Settings, engines: GemmEngines, tf: Tf | null, ceiling: Ceiling): GemmRow[] {
  const products: Product[] = gemmShapes.flatMap((shape) =>
    (settings.quick && !shape.training ? (['NN'] as const) : transposes).map((transpose) => ({ shape, transpose })));
  const key = (p: Product, backend: string) => `${shapeLabel(p.shape)} ${p.transpose} ${backend}`;
  const mulAdd = ceilingContender(MUL_ADD, ceiling.mulAdd.name);
  const fma = ceiling.fma ? ceilingContender(FMA, ceiling.fma.name) : null;
  const contenders: DisposableContender[] = [mulAdd, ...(fma ? [fma] : [])];
  try {
    for (const p of products) {
      for (const c of gemmContenders(p.shape, p.transpose, engines, tf, settings)) {
        contenders.push(renamed(c, key(p, c.name)));
      }
    }
    progress(`gemm: ${products.length} products, ${contenders.length} contenders with the ceilings, interleaved`);
    const samples = interleave(contenders, settings, (round, rounds) => progress(`gemm: round ${round} of ${rounds}`));
    const ceilings = {
      mulAdd: rates(samples.get(MUL_ADD)!, mulAdd.gflopsPerRun),
      fma: fma ? rates(samples.get(FMA)!, fma.gflopsPerRun) : null,
    };
    return products.map((p) => {
      const gflops: GemmRow['gflops'] = {};
      for (const backend of gemmBackends) {
        const seconds = samples.get(key(p, backend));
        if (seconds) gflops[backend] = rates(seconds, flops(p.shape) / 1e9);
      }
      return {
        shape: shapeLabel(p.shape), m: p.shape.m, n: p.shape.n, k: p.shape.k, transpose: p.transpose,
        role: p.shape.roles[p.transpose] ?? null,
        training: p.shape.training,
        gflops,
        ceiling: ceilings,
        ofCeiling: {
          standard: (gflops['wasm standard']?.median ?? NaN) / ceilings.mulAdd.median,
          relaxed: gflops['wasm relaxed'] && ceilings.fma ? gflops['wasm relaxed'].median / ceilings.fma.median : null,
        },
      };
    });
  } finally {
    for (const c of contenders) c.dispose();
  }
}

function gemmContenders(shape: GemmShape, transpose: Transpose, engines: GemmEngines, tf: Tf | null,
  settings: Settings): DisposableContender[] {
  const contenders = [heavyballGemm('wasm standard', engines.standard, shape, transpose)];
  if (engines.relaxed) contenders.push(heavyballGemm('wasm relaxed', engines.relaxed, shape, transpose));
  const jsTooSlow = settings.quick ? !shape.training : shape.m * shape.n * shape.k >= 1024 ** 3;
  if (!jsTooSlow) contenders.push(heavyballGemm('js', engines.js, shape, transpose));
  if (tf) contenders.push(tfjsGemm('tf.js wasm', tf, shape, transpose));
  return contenders;
}
