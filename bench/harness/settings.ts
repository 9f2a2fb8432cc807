/** How long and how often to measure; `--quick` trades precision for a run under two minutes. */
export interface Settings {
  quick: boolean;
  /** Warm-up time per contender before calibration (ms). */
  warmupMs: number;
  /** Target duration of one sample (ms). */
  sampleMs: number;
  /** Samples per contender. */
  samples: number;
  /** Time one contender may take in a comparison (ms); slow contenders get fewer samples. */
  budgetMs: number;
  minSamples: number;
  /** Timed training runs per configuration (interleaved between the configurations). */
  trainingSamples: number;
}

export const fullSettings: Settings = {
  quick: false, warmupMs: 200, sampleMs: 40, samples: 7, budgetMs: 3000, minSamples: 3, trainingSamples: 3,
};

export const quickSettings: Settings = {
  quick: true, warmupMs: 80, sampleMs: 20, samples: 5, budgetMs: 1000, minSamples: 3, trainingSamples: 3,
};
