import { analyzePart, type RunLookup } from './analysis.js';
import { studyAnswer } from './answer.js';
import { partConclusion } from './conclusion.js';
import type { RunEntry, StudyConfig, StudyResult } from './types.js';

export interface StudyResultInput {
  kind: StudyResult['kind'];
  version: string;
  config: StudyConfig;
  data: StudyResult['data'];
  startedAt: string;
  seconds: number;
  planned: number;
  reused: number;
  lookup: RunLookup;
  entries: RunEntry[];
}

/**
 * The parts analysed and concluded, the answer, and the runs (by momentum, lr, seed). Test figures are
 * kept only for the runs of the settings a part reports: the others were never meant to be looked at.
 */
export function studyResult(input: StudyResultInput): StudyResult {
  const { config, entries } = input;
  const parts = config.parts.map((spec) => {
    const part = analyzePart(spec, config.optimizer, config.momenta, config.seeds, input.lookup);
    return { ...part, conclusion: partConclusion(config, part) };
  });
  const reportedRuns = new Set(parts.flatMap((p) => p.reported.flatMap((s) => s.runs)));
  const runs = [...entries]
    .sort((a, b) => a.record.config.momentum - b.record.config.momentum || a.record.config.lr - b.record.config.lr
      || a.record.config.seed - b.record.config.seed)
    .map((entry) => (reportedRuns.has(entry.id) ? entry : withoutTest(entry)));
  const aborted = entries.length < input.planned;
  return {
    kind: input.kind,
    library: { name: 'heavyball', version: input.version },
    config,
    data: input.data,
    startedAt: input.startedAt,
    seconds: input.seconds,
    runsPlanned: input.planned,
    runsTrained: entries.length - input.reused,
    runsReused: input.reused,
    aborted,
    parts,
    answer: studyAnswer({ config, parts, data: input.data, finished: entries.length, planned: input.planned }),
    runs,
  };
}

function withoutTest(entry: RunEntry): RunEntry {
  return {
    ...entry,
    record: { ...entry.record, evaluations: entry.record.evaluations.map((e) => ({ ...e, test: null })) },
    analysis: { ...entry.analysis, finalTestAccuracy: null },
  };
}
