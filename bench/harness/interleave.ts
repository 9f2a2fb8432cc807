import type { Settings } from './settings.js';

/** One contender of an interleaved comparison. */
export interface Contender {
  /** Column it is reported under, e.g. 'wasm standard'. */
  name: string;
  /** Runs the measured operation `reps` times back to back (synchronously). */
  run(reps: number): void;
}

/** A contender holding memory (engine blocks, tensors) to release after its comparison. */
export type DisposableContender = Contender & { dispose(): void };

/** The same contender under another name, e.g. its product or size prefixed when many share the rounds. */
export function renamed(contender: DisposableContender, name: string): DisposableContender {
  return { name, run: (reps) => contender.run(reps), dispose: () => contender.dispose() };
}

/**
 * Seconds per run of each contender. Each is warmed up first (V8 tiers a WebAssembly function up on its
 * next call, so the first calls are slower), and its repetitions per sample are calibrated to
 * `sampleMs`; then the samples are taken in rounds, A B C, A B C, ..., so a slow drift of the machine
 * (frequency, other processes) touches every contender alike. A contender whose one run is too slow for
 * `budgetMs` gets fewer samples, never fewer than `minSamples`.
 */
export function interleave(contenders: readonly Contender[], settings: Settings,
  onRound?: (round: number, rounds: number) => void): Map<string, number[]> {
  const plans = contenders.map((contender) => ({ contender, ...calibrate(contender, settings) }));
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  const rounds = Math.max(...plans.map((p) => p.samples));
  for (let round = 0; round < rounds; round++) {
    onRound?.(round + 1, rounds);
    for (const plan of plans) {
      if (round >= plan.samples) continue;
      const start = performance.now();
      plan.contender.run(plan.reps);
      samples.get(plan.contender.name)!.push((performance.now() - start) / 1000 / plan.reps);
    }
  }
  return samples;
}

function calibrate(contender: Contender, settings: Settings): { reps: number; samples: number } {
  const started = performance.now();
  let fastest = Infinity;
  for (let calls = 0; ; calls++) {
    const t = performance.now();
    contender.run(1);
    const took = performance.now() - t;
    // The first call may still run baseline code or fault pages in; the fastest later one is the estimate.
    if (calls > 0 || took >= 1000) fastest = Math.min(fastest, took);
    // At least two calls, unless a single one is already very long.
    if (performance.now() - started >= settings.warmupMs && fastest < Infinity) break;
  }
  const reps = Math.max(1, Math.round(settings.sampleMs / fastest));
  const fit = Math.floor(settings.budgetMs / (reps * fastest));
  return { reps, samples: Math.max(settings.minSamples, Math.min(settings.samples, fit)) };
}
