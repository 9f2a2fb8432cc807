import type { Engine } from '../../src/engine/engine.js';
import { type DisposableContender, interleave, renamed } from '../harness/interleave.js';
import { progress } from '../harness/log.js';
import type { Settings } from '../harness/settings.js';
import { rates, type Summary } from '../harness/stats.js';
import type { Tf } from '../tfjs/load-tfjs.js';
import { adamArithmeticBound, ADAM_BOUND_PARAMS, copyLike, copyLoopLike, heavyballUpdate } from './heavyball-update.js';
import { tfjsUpdate } from './tfjs-update.js';
import { copyBytesFor, paramCounts, type Update, updates } from './updates.js';

export const optimBackends = ['wasm standard', 'memory.copy', 'v128 copy loop', 'sqrt+div bound', 'js', 'tf.js wasm'] as const;
export type OptimBackend = (typeof optimBackends)[number];

export interface OptimRow {
  update: Update['name'];
  params: number;
  bytesPerParam: number;
  /** Million parameters updated per second (not for the copies). */
  mparams: Partial<Record<OptimBackend, Summary>>;
  /** GB/s (1e9 bytes) read + written: the update's as counted in `updates.ts`, a copy's source + destination. */
  /** (The sqrt+div bound, Adam's rows only, has Mparam/s and no GB/s: it touches no memory.) */
  gbps: Partial<Record<OptimBackend, Summary>>;
}

const BOUND = 'sqrt+div bound';

interface UpdateCase {
  update: Update;
  params: number;
}

/**
 * Each update at each size, all in one set of rounds (a burst of load then falls on every row alike):
 * the wasm kernel; memory.copy and a v128 copy loop in the same memory over as much memory as the update
 * touches (the bandwidth ceiling at that working set); the js backend; TF.js; and once, for every Adam
 * row, Adam's arithmetic alone (the sqrt+div bound).
 */
export function measureOptimizers(settings: Settings, engines: { standard: Engine; js: Engine }, tf: Tf | null): OptimRow[] {
  const cases: UpdateCase[] = paramCounts.flatMap((params) => updates.map((update) => ({ update, params })));
  const key = (c: UpdateCase, backend: string) => `${c.update.name} ${c.params} ${backend}`;
  const contenders: DisposableContender[] = [adamArithmeticBound(BOUND)];
  try {
    for (const c of cases) {
      for (const contender of updateContenders(c, engines, tf)) contenders.push(renamed(contender, key(c, contender.name)));
    }
    progress(`optimizers: ${cases.length} updates, ${contenders.length} contenders, interleaved`);
    const samples = interleave(contenders, settings, (round, rounds) => progress(`optimizers: round ${round} of ${rounds}`));
    const bound = rates(samples.get(BOUND)!, ADAM_BOUND_PARAMS / 1e6);
    return cases.map((c) => {
      const row: OptimRow = { update: c.update.name, params: c.params, bytesPerParam: c.update.bytesPerParam, mparams: {}, gbps: {} };
      for (const backend of optimBackends) {
        const seconds = samples.get(key(c, backend));
        if (!seconds) continue;
        const copied = backend === 'memory.copy' || backend === 'v128 copy loop' ? 2 * copyBytesFor(c.update, c.params) : null;
        if (copied === null) row.mparams[backend] = rates(seconds, c.params / 1e6);
        row.gbps[backend] = rates(seconds, (copied ?? c.params * c.update.bytesPerParam) / 1e9);
      }
      if (c.update.name === 'Adam') row.mparams[BOUND] = bound;
      return row;
    });
  } finally {
    for (const c of contenders) c.dispose();
  }
}

function updateContenders({ update, params }: UpdateCase, engines: { standard: Engine; js: Engine }, tf: Tf | null): DisposableContender[] {
  return [
    heavyballUpdate('wasm standard', engines.standard, update, params),
    copyLike('memory.copy', engines.standard, update, params),
    copyLoopLike('v128 copy loop', engines.standard, update, params),
    heavyballUpdate('js', engines.js, update, params),
    ...(tf ? [tfjsUpdate('tf.js wasm', tf, update, params)] : []),
  ];
}
