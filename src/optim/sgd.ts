import { BaseOptimizer, type Group, type OptimizerSpec } from './base-optimizer.js';
import type { Params } from './param-groups.js';

export interface SGDOptions {
  /** Required: PyTorch's SGD has no default learning rate. */
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
  maximize?: boolean;
}
type SGDHyper = Required<SGDOptions>;

export const sgdSpec: OptimizerSpec<SGDHyper> = {
  kind: 'SGD',
  options: {
    lr: { rule: { number: '≥ 0' }, required: "SGD needs an lr: PyTorch's SGD has no default learning rate" },
    momentum: { default: 0, rule: { number: '[0, 1)' } },
    dampening: { default: 0, rule: { number: '[0, 1]' } },
    nesterov: { default: false, rule: 'boolean' },
    weightDecay: { default: 0, rule: { number: '≥ 0' } },
    maximize: { default: false, rule: 'boolean' },
  },
  momentum: 'momentum',
  crossCheck(h) {
    if (h.nesterov && (h.momentum === 0 || h.dampening !== 0)) {
      throw new RangeError(
        `nesterov needs momentum > 0 and dampening = 0, got momentum ${h.momentum} and dampening ${h.dampening}`);
    }
  },
  // Whether a momentum step was taken: PyTorch's buffer is None before, then the raw gradient.
  savedPerGroup: { momentumBufferStarted: { initial: false, rule: 'boolean' } },
  // Allocated even without momentum, so momentum can be switched on later (schedules do).
  buffers: () => ['momentum_buffer'],
};

/** PyTorch's SGD: Polyak's heavy ball (or Nesterov's momentum) with L2 weight decay. */
export class SGD extends BaseOptimizer<SGDHyper> {
  static readonly spec = sgdSpec;

  constructor(params: Params<SGDOptions>, options: SGDOptions) {
    super(params, options ?? {});
  }

  protected update(g: Group<SGDHyper>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = g.hyper;
    const first = g.saved.momentumBufferStarted ? 0 : 1;
    for (const s of g.spans) {
      this.engine.kernels.sgdStep(s.size, s.dataPtr, s.gradPtr, s.state.momentum_buffer, lr, momentum, dampening,
        weightDecay, +nesterov, +maximize, first);
    }
    if (momentum !== 0) g.saved.momentumBufferStarted = true;
  }
}
