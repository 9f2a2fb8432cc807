import { type Contender, interleave } from './interleave.js';
import type { Settings } from './settings.js';

/**
 * The same contenders sampled in several interleaved sessions spread over a run, each session taking its
 * share of the samples and of the time budget. This host's speed swings for a minute or more at a time,
 * and the swings touch some work more than other (memory-bound against register-only), so one session
 * can take all of a comparison from one bad minute; pooled sessions take it from several.
 */
export class SessionSamples {
  private readonly sessions: Map<string, number[]>[] = [];

  constructor(private readonly contenders: readonly Contender[], private readonly count: number,
    private readonly sample: typeof interleave = interleave) {}

  /** Takes one session's samples (seconds per run) of every contender, interleaved. */
  take(settings: Settings): void {
    const share: Settings = {
      ...settings,
      samples: Math.ceil(settings.samples / this.count),
      minSamples: Math.ceil(settings.minSamples / this.count),
      budgetMs: settings.budgetMs / this.count,
    };
    this.sessions.push(this.sample(this.contenders, share));
  }

  /** Every session's samples of `name`, pooled. */
  of(name: string): number[] {
    return this.sessions.flatMap((session) => session.get(name) ?? []);
  }

  /** `numerator` ÷ `denominator` sample by sample within each session (each pair taken back to back), pooled. */
  ratios(numerator: string, denominator: string): number[] {
    return this.sessions.flatMap((session) => {
      const a = session.get(numerator) ?? [], b = session.get(denominator) ?? [];
      return a.slice(0, b.length).map((value, i) => value / b[i]!);
    });
  }
}
