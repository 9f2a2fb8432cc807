import type { Transpose } from '../gemm/gemm-shapes.js';
import type { Summary } from '../harness/stats.js';
import type { CeilingVariant } from './ceiling-suite.js';

/** A ceiling variant sampled again in the rounds of the GEMMs it is compared with. */
export interface SampledVariant {
  name: string;
  gflops: Summary;
}

/**
 * What ceiling-child.ts prints (one JSON line): on Node 24 with the revectorizer, the 128-bit and the
 * paired ceilings and the library's one-thread GEMM on the training shapes.
 */
export interface RevectorizedCeilingReply {
  node: string;
  /** Whether the library kept --experimental-wasm-revectorize (it clears it if its GEMM gives other bits). */
  revectorizer: boolean;
  /** Every variant, measured first to choose the best of each kind (names ending in 'paired' are paired). */
  variants: CeilingVariant[];
  /** The best of each kind, then the GEMMs, all in one set of rounds. */
  mulAdd: SampledVariant;
  pairedMulAdd: SampledVariant;
  fma: SampledVariant | null;
  pairedFma: SampledVariant | null;
  /** Whether the engines' GEMMs ran 4×16 tiles; absent in replies from before they could. */
  wideTiles?: boolean;
  /** `simd` absent in replies from before the relaxed build was measured here: the standard build. */
  gemm: { shape: string; transpose: Transpose; role: string; simd?: 'standard' | 'relaxed'; gflops: Summary }[];
}

/** The reply, or why there is none (Node 24 missing, the child failed). */
export interface RevectorizedCeiling {
  reply: RevectorizedCeilingReply | null;
  errors: string[];
}
