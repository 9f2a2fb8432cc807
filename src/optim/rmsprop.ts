import { BaseOptimizer, type Group, type OptimizerSpec } from './base-optimizer.js';
import type { Params } from './param-groups.js';

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
  maximize?: boolean;
}
type RMSpropHyper = Required<RMSpropOptions>;

export const rmspropSpec: OptimizerSpec<RMSpropHyper> = {
  kind: 'RMSprop',
  options: {
    lr: { default: 1e-2, rule: { number: '≥ 0' } },
    alpha: { default: 0.99, rule: { number: '[0, 1)' } },
    eps: { default: 1e-8, rule: { number: '> 0' } },
    weightDecay: { default: 0, rule: { number: '≥ 0' } },
    momentum: { default: 0, rule: { number: '[0, 1)' } },
    centered: { default: false, rule: 'boolean' },
    maximize: { default: false, rule: 'boolean' },
  },
  momentum: 'momentum',
  // The momentum buffer is kept even at momentum 0, so momentum can be switched on later.
  buffers: (h) => (h.centered ? ['square_avg', 'momentum_buffer', 'grad_avg'] : ['square_avg', 'momentum_buffer']),
};

/** PyTorch's RMSprop (Hinton), optionally centered (Graves) and with momentum. */
export class RMSprop extends BaseOptimizer<RMSpropHyper> {
  static readonly spec = rmspropSpec;

  constructor(params: Params<RMSpropOptions>, options: RMSpropOptions = {}) {
    super(params, options);
  }

  protected update(g: Group<RMSpropHyper>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = g.hyper;
    for (const s of g.spans) {
      this.engine.kernels.rmspropStep(s.size, s.dataPtr, s.gradPtr, s.state.square_avg, s.state.momentum_buffer,
        s.state.grad_avg ?? 0, lr, alpha, eps, weightDecay, momentum, +centered, +maximize);
    }
  }
}
