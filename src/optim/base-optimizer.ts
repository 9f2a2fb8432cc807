import type { Engine } from '../engine/engine.js';
import { liveView } from '../engine/live-view.js';
import type { Parameter } from '../engine/parameter.js';
import { checkInteger, checkKeys, checkRule, defined, type Rule } from '../check.js';
import type { Hyperparameters, Optimizer, OptimizerState } from './optimizer.js';
import { checkParams, gradRanges, type Params, type Span, spansOf, toGroups } from './param-groups.js';

/** One option: its default (none: the user must give it, and `required` is the TypeError's message) and what it must be. */
export interface OptionSpec<T> {
  default?: T;
  rule: Rule;
  required?: string;
}

/**
 * An optimizer stated once: its options (in the order errors list them), which one `momentum` reads and
 * sets (a pair's first element, as Adam's betas[0]), rules between options, what else each group saves,
 * and its state tensors. The defaults, the checks, the lr/momentum accessors and state()/loadState() all
 * read this. Every option is a group hyperparameter, saved by state().
 */
export interface OptimizerSpec<H> {
  kind: string;
  options: { readonly [K in keyof H]-?: OptionSpec<H[K]> };
  momentum: keyof H & string;
  /** Throws a RangeError when options that are each in range don't go together. */
  crossCheck?(h: H): void;
  /** Values each group keeps beside its hyperparameters and state() saves, not options: their initial value and rule. */
  savedPerGroup?: Readonly<Record<string, { initial: unknown; rule: Rule }>>;
  /** PyTorch's names of the state tensors a group with these hyperparameters updates. */
  buffers(h: H): readonly string[];
}

/** The spec's defaults. */
function defaultsOf<H>(spec: OptimizerSpec<H>): Record<string, unknown> {
  return Object.fromEntries(Object.entries<OptionSpec<unknown>>(spec.options)
    .filter(([, o]) => o.default !== undefined).map(([name, o]) => [name, structuredClone(o.default)]));
}

/** A group's hyperparameters from complete options (defaults merged in already): names, types, ranges, cross-checks. */
function resolve<H>(spec: OptimizerSpec<H>, options: Record<string, unknown>): H {
  const names = Object.keys(spec.options);
  checkKeys(spec.kind, options, names);
  const h: Record<string, unknown> = {};
  for (const name of names) {
    const option: OptionSpec<unknown> = spec.options[name as keyof H];
    if (options[name] === undefined && option.required) throw new TypeError(option.required);
    h[name] = checkRule(name, options[name], option.rule);
  }
  spec.crossCheck?.(h as H);
  return h as H;
}

/** A copy of `spec` with other defaults (AdamW is Adam with decoupled weight decay 1e-2). */
export function withDefaults<H>(spec: OptimizerSpec<H>, kind: string, defaults: Partial<H>): OptimizerSpec<H> {
  const options: Record<string, OptionSpec<unknown>> = { ...spec.options };
  for (const [name, value] of Object.entries(defaults)) options[name] = { ...options[name]!, default: value };
  return { ...spec, kind, options: options as OptimizerSpec<H>['options'] };
}

export interface Group<H> {
  readonly params: readonly Parameter[];
  hyper: H;
  /** The spec's savedPerGroup values, as the update keeps them. */
  saved: Record<string, unknown>;
  /** Floats in the group's parameters. */
  readonly size: number;
  /** Each span with the byte offsets of its part of every state buffer the optimizer allocated. */
  readonly spans: readonly (Span & { readonly state: Readonly<Record<string, number>> })[];
}

/**
 * The shared base: param groups, their contiguous spans, state buffers allocated once (zero-filled, laid
 * out like the parameters), lr/momentum setters that validate, zeroGrad, state and loadState. A subclass
 * only says how to update one group: a kernel call per span.
 */
export abstract class BaseOptimizer<H extends { lr: number }> implements Optimizer {
  readonly kind: string;
  readonly params: readonly Parameter[];
  readonly engine: Engine;
  protected readonly groups: readonly Group<H>[];
  /** Steps taken so far (Adam's t after the increment in `step`). */
  protected steps = 0;
  private readonly size: number;
  /** Byte offset of each state buffer (one block over all parameters) by PyTorch's name. */
  private readonly buffers: Readonly<Record<string, number>>;
  private readonly grads: [number, number][];
  private readonly heap: () => Float32Array;
  private isDisposed = false;

  private readonly spec: OptimizerSpec<H>;

  /** Reads the spec from the subclass's static `spec`, so a subclass states it once. */
  protected constructor(params: Params<unknown>, options: object) {
    const spec = (new.target as unknown as { spec: OptimizerSpec<H> }).spec;
    this.spec = spec;
    const given = toGroups(params);
    const groupParams = given.map((g) => [...g.params]);
    this.params = groupParams.flat();
    this.engine = checkParams(this.params);
    this.kind = spec.kind;
    const hypers = given.map(({ params: _, ...overrides }) =>
      resolve(spec, { ...defaultsOf(spec), ...defined(options), ...defined(overrides) }));
    this.size = this.params.reduce((n, p) => n + p.size, 0);
    this.buffers = this.allocate([...new Set(hypers.flatMap((h) => spec.buffers(h)))]);
    this.grads = gradRanges(this.params);
    this.heap = liveView(this.engine, Float32Array);
    let offset = 0;
    this.groups = groupParams.map((ps, i) => {
      const spans = spansOf(ps, offset).map((s) => ({ ...s, state: this.stateOf(s.offset) }));
      const size = ps.reduce((n, p) => n + p.size, 0);
      offset += size;
      return { params: ps, hyper: hypers[i], saved: this.initialSaved(), size, spans };
    });
  }

  get lr(): number {
    return this.groups[0].hyper.lr;
  }

  set lr(value: number) {
    this.configure(() => ({ lr: value }) as Partial<H>);
  }

  /** The momentum option (Adam's betas[0]) of the first group. */
  get momentum(): number {
    const value = this.groups[0].hyper[this.spec.momentum];
    return (Array.isArray(value) ? value[0] : value) as number;
  }

  set momentum(value: number) {
    const key = this.spec.momentum;
    this.configure((h) => ({ [key]: Array.isArray(h[key]) ? [value, h[key][1]] : value }) as Partial<H>);
  }

  /** Each param group's parameters, in order. */
  get paramGroups(): readonly (readonly Parameter[])[] {
    return this.groups.map((g) => g.params);
  }

  step(): void {
    this.assertLive();
    this.steps += 1;
    for (const group of this.groups) this.update(group);
  }

  zeroGrad(): void {
    this.assertLive();
    const heap = this.heap();
    for (const [start, end] of this.grads) heap.fill(0, start, end);
  }

  state(): OptimizerState {
    this.assertLive();
    return {
      kind: this.kind,
      step: this.steps,
      groups: this.groups.map((g) => ({ size: g.size, hyperparameters: structuredClone(g.hyper) as Hyperparameters, ...g.saved })),
      buffers: Object.fromEntries(
        Object.entries(this.buffers).map(([name, ptr]) => [name, this.engine.f32(ptr, this.size).slice()])),
    };
  }

  /** Restores a `state()` of an optimizer of the same kind over parameters of the same sizes; all or nothing. */
  loadState(state: OptimizerState): void {
    this.assertLive();
    const saved = state?.groups?.map?.((g, i) => Object.fromEntries(Object.entries(this.spec.savedPerGroup ?? {})
      .map(([name, { rule }]) => [name, checkRule(`groups[${i}].${name}`, (g as unknown as Record<string, unknown>)?.[name], rule)])));
    if (state?.kind !== this.kind) throw new TypeError(`cannot load ${state?.kind} state into ${this.kind}`);
    checkInteger('state.step', state.step, 0);
    if (!Array.isArray(state.groups) || state.groups.length !== this.groups.length) {
      throw new RangeError(`the state has ${state.groups?.length} param groups, this ${this.kind} has ${this.groups.length}`);
    }
    const hypers = state.groups.map((g, i) => {
      if (g?.size !== this.groups[i].size) {
        throw new RangeError(`param group ${i} holds ${g?.size} floats in the state, ${this.groups[i].size} here`);
      }
      const h = resolve(this.spec, { ...g.hyperparameters });
      for (const name of this.spec.buffers(h)) {
        if (!(name in this.buffers)) {
          throw new RangeError(`param group ${i} of the state needs a ${name} buffer, which this ${this.kind} was built without`);
        }
      }
      return h;
    });
    const names = Object.keys(this.buffers);
    const stored = Object.keys(state.buffers ?? {});
    if (stored.length !== names.length || !names.every((name) => stored.includes(name))) {
      throw new RangeError(`the state has buffers [${stored.join(', ')}], this ${this.kind} has [${names.join(', ')}]`);
    }
    for (const name of names) {
      const b: unknown = state.buffers[name];
      if (!(b instanceof Float32Array) || b.length !== this.size) {
        throw new RangeError(`state buffer ${name} must be a Float32Array of ${this.size} floats`);
      }
    }
    this.steps = state.step;
    hypers.forEach((h, i) => Object.assign(this.groups[i], { hyper: h, saved: saved[i] }));
    for (const name of names) this.engine.f32(this.buffers[name], this.size).set(state.buffers[name]);
  }

  /** Frees the state buffers; the optimizer can't be used afterwards. */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    if (!this.engine.disposed) for (const ptr of Object.values(this.buffers)) this.engine.free(ptr);
  }

  /** Updates every span of `group` from its gradients. */
  protected abstract update(group: Group<H>): void;

  /** Applies `change` to every group's hyperparameters, after checking all of them. */
  protected configure(change: (h: H) => Partial<H>): void {
    const next = this.groups.map((g) => resolve(this.spec, { ...g.hyper, ...change(g.hyper) }));
    next.forEach((h, i) => (this.groups[i].hyper = h));
  }

  private initialSaved(): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this.spec.savedPerGroup ?? {}).map(([name, { initial }]) => [name, initial]));
  }

  private allocate(names: string[]): Record<string, number> {
    const buffers: Record<string, number> = {};
    try {
      for (const name of names) buffers[name] = this.engine.alloc(4 * this.size);
    } catch (error) {
      for (const ptr of Object.values(buffers)) this.engine.free(ptr);
      throw error;
    }
    return buffers;
  }

  private stateOf(offset: number): Record<string, number> {
    return Object.fromEntries(Object.entries(this.buffers).map(([name, ptr]) => [name, ptr + 4 * offset]));
  }

  private assertLive(): void {
    if (this.isDisposed) throw new Error(`this ${this.kind} has been disposed`);
    if (this.engine.disposed) throw new Error(`the engine of this ${this.kind} has been disposed`);
    for (const p of this.params) p.assertLive();
  }
}
