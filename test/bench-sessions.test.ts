// The bench's pooled sessions: each session gets its share of samples and time, and a ratio pairs only
// samples of the same session (taken back to back), never across sessions.
import { describe, expect, it } from 'vitest';
import type { Contender } from '../bench/harness/interleave.js';
import { SessionSamples } from '../bench/harness/sessions.js';
import { fullSettings, type Settings } from '../bench/harness/settings.js';

const contenders: Contender[] = [{ name: 'a', run: () => {} }, { name: 'b', run: () => {} }];

describe('SessionSamples', () => {
  it('gives each session its share of the samples and the budget, and pools what they took', () => {
    const asked: Settings[] = [];
    const taken = [
      new Map([['a', [2, 4, 6]], ['b', [1, 2, 3]]]),
      new Map([['a', [10, 20]], ['b', [5]]]), // b ran out of budget after one sample
    ];
    const sessions = new SessionSamples(contenders, 3, (_, settings) => {
      asked.push(settings);
      return taken[asked.length - 1]!;
    });
    sessions.take(fullSettings);
    sessions.take(fullSettings);
    expect(asked.map((s) => [s.samples, s.minSamples, s.budgetMs])).toEqual([[3, 1, 1000], [3, 1, 1000]]);
    expect(sessions.of('a')).toEqual([2, 4, 6, 10, 20]);
    expect(sessions.of('b')).toEqual([1, 2, 3, 5]);
    // 20 has no partner in its session: it is not paired with the first session's b.
    expect(sessions.ratios('a', 'b')).toEqual([2, 2, 2, 2]);
    expect(sessions.ratios('b', 'a')).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
});
