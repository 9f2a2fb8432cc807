import type { Engine } from '../../src/engine/engine.js';
import { interleave } from '../harness/interleave.js';
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

/**
 * Each update at each size, interleaved: the wasm kernel; memory.copy and a v128 copy loop in the same
 * memory over as much memory as the update touches (the bandwidth ceiling at that working set); the
 * js backend; TF.js.
 */
export function measureOptimizers(settings: Settings, engines: { standard: Engine; js: Engine }, tf: Tf | null): OptimRow[] {
  const rows: OptimRow[] = [];
  for (const params of paramCounts) {
    for (const update of updates) {
      progress(`optimizer ${update.name} ${params.toExponential(0)} parameters`);
      const contenders = [
        heavyballUpdate('wasm standard', engines.standard, update, params),
        copyLike('memory.copy', engines.standard, update, params),
        copyLoopLike('v128 copy loop', engines.standard, update, params),
        ...(update.name === 'Adam' ? [adamArithmeticBound('sqrt+div bound')] : []),
        heavyballUpdate('js', engines.js, update, params),
        ...(tf ? [tfjsUpdate('tf.js wasm', tf, update, params)] : []),
      ];
      try {
        const samples = interleave(contenders, settings);
        const row: OptimRow = { update: update.name, params, bytesPerParam: update.bytesPerParam, mparams: {}, gbps: {} };
        for (const [name, seconds] of samples) {
          if (name === 'sqrt+div bound') {
            row.mparams[name] = rates(seconds, ADAM_BOUND_PARAMS / 1e6);
            continue;
          }
          const copied = name === 'memory.copy' || name === 'v128 copy loop' ? 2 * copyBytesFor(update, params) : null;
          if (copied === null) row.mparams[name as OptimBackend] = rates(seconds, params / 1e6);
          row.gbps[name as OptimBackend] = rates(seconds, (copied ?? params * update.bytesPerParam) / 1e9);
        }
        rows.push(row);
      } finally {
        for (const c of contenders) c.dispose();
      }
    }
  }
  return rows;
}
