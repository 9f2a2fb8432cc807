import type { Engine } from '../engine/engine.js';
import { Parameter } from '../engine/parameter.js';

/** PyTorch's param group: parameters and the options that override the optimizer's for them. */
export type ParamGroup<Options> = { params: Iterable<Parameter> } & Partial<Options>;

/** What an optimizer accepts: parameters (one group) or param groups. */
export type Params<Options> = Iterable<Parameter> | Iterable<ParamGroup<Options>>;

/**
 * Two groups for AdamW-style training: parameters for which `decays(p)` holds (by default matrices) keep
 * the optimizer's weight decay; the rest (biases, gains) get weightDecay 0. Empty groups are left out.
 */
export function decayGroups(
  params: Iterable<Parameter>,
  decays: (p: Parameter) => boolean = (p) => p.shape.length >= 2,
): ParamGroup<{ weightDecay: number }>[] {
  const all = [...params];
  const groups: ParamGroup<{ weightDecay: number }>[] = [
    { params: all.filter(decays) },
    { params: all.filter((p) => !decays(p)), weightDecay: 0 },
  ];
  return groups.filter((g) => (g.params as Parameter[]).length > 0);
}

/** The groups of `params`: one group of every parameter, or the param groups as given. */
export function toGroups<Options>(params: Params<Options>): ParamGroup<Options>[] {
  const items: unknown[] = [...(params as Iterable<unknown>)];
  if (items.every((x) => x instanceof Parameter)) return [{ params: items as Parameter[] } as unknown as ParamGroup<Options>];
  if (items.every(isGroup)) return items as ParamGroup<Options>[];
  throw new TypeError('params must be an array of Parameters or of param groups { params: [...], ...options }');
}

function isGroup(x: unknown): boolean {
  const params = (x as { params?: unknown } | null)?.params;
  return typeof params === 'object' && params !== null && Symbol.iterator in params;
}

/** The one engine of `params`; throws if they are empty, repeated, overlapping or from several engines. */
export function checkParams(params: readonly Parameter[]): Engine {
  if (params.length === 0) throw new RangeError('the optimizer got no parameters');
  for (const p of params) {
    if (!(p instanceof Parameter)) throw new TypeError(`param groups must hold Parameters, got ${String(p)}`);
  }
  const engine = params[0].engine;
  if (params.some((p) => p.engine !== engine)) {
    throw new RangeError('the parameters come from different engines; an optimizer works within one engine');
  }
  if (engine.disposed) throw new Error('the parameters\' engine has been disposed');
  for (const p of params) p.assertLive();
  const byAddress = [...params].sort((a, b) => a.dataPtr - b.dataPtr);
  for (let i = 1; i < byAddress.length; i++) {
    const [a, b] = [byAddress[i - 1], byAddress[i]];
    if (a === b) throw new RangeError(`parameter ${describe(a)} appears more than once in the optimizer's params`);
    if (a.dataPtr + 4 * a.size > b.dataPtr) {
      throw new RangeError(`parameters ${describe(a)} and ${describe(b)} overlap in memory`);
    }
  }
  return engine;
}

function describe(p: Parameter): string {
  return `${p.name ? `'${p.name}' ` : ''}[${p.shape.join(', ')}] at byte ${p.dataPtr}`;
}

/** A run of parameters whose data, and whose gradients, are adjacent in memory: one kernel call. */
export interface Span {
  readonly size: number;
  readonly dataPtr: number;
  readonly gradPtr: number;
  /** Index of the span's first float in the optimizer's state buffers. */
  readonly offset: number;
}

/** Spans over `params` (in order), whose state starts at float `offset`. */
export function spansOf(params: readonly Parameter[], offset: number): Span[] {
  const spans: { size: number; dataPtr: number; gradPtr: number; offset: number }[] = [];
  for (const p of params) {
    if (p.size === 0) continue;
    const last = spans[spans.length - 1];
    if (last && p.dataPtr === last.dataPtr + 4 * last.size && p.gradPtr === last.gradPtr + 4 * last.size) {
      last.size += p.size;
    } else {
      spans.push({ size: p.size, dataPtr: p.dataPtr, gradPtr: p.gradPtr, offset });
    }
    offset += p.size;
  }
  return spans;
}

/** The gradients of `params` as maximal [start, end) float-index ranges, for zeroing. */
export function gradRanges(params: readonly Parameter[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const p of [...params].sort((a, b) => a.gradPtr - b.gradPtr)) {
    const [start, end] = [p.gradPtr / 4, p.gradPtr / 4 + p.size];
    const last = ranges[ranges.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else ranges.push([start, end]);
  }
  return ranges;
}
