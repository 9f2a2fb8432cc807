import { type OptimizerSpec, BaseOptimizer, type Group } from './base-optimizer.js';
import { checkBoolean, checkKeys, checkNumber } from './check.js';
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

const spec: OptimizerSpec<RMSpropHyper> = {
  defaults: { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false },
  resolve(o) {
    checkKeys('RMSprop', o, ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize']);
    return {
      lr: checkNumber('lr', o.lr, '≥ 0'),
      alpha: checkNumber('alpha', o.alpha, '[0, 1)'),
      eps: checkNumber('eps', o.eps, '> 0'),
      weightDecay: checkNumber('weightDecay', o.weightDecay, '≥ 0'),
      momentum: checkNumber('momentum', o.momentum, '[0, 1)'),
      centered: checkBoolean('centered', o.centered),
      maximize: checkBoolean('maximize', o.maximize),
    };
  },
  // The momentum buffer is kept even at momentum 0, so momentum can be switched on later.
  buffers: (h) => (h.centered ? ['square_avg', 'momentum_buffer', 'grad_avg'] : ['square_avg', 'momentum_buffer']),
};

/** PyTorch's RMSprop (Hinton), optionally centered (Graves) and with momentum. */
export class RMSprop extends BaseOptimizer<RMSpropHyper> {
  readonly kind = 'RMSprop';

  constructor(params: Params<RMSpropOptions>, options: RMSpropOptions = {}) {
    super(params, options, spec);
  }

  get momentum(): number {
    return this.groups[0].hyper.momentum;
  }

  set momentum(value: number) {
    this.configure(() => ({ momentum: value }));
  }

  protected update(g: Group<RMSpropHyper>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = g.hyper;
    for (const s of g.spans) {
      this.engine.kernels.rmspropStep(s.size, s.dataPtr, s.gradPtr, s.state.square_avg, s.state.momentum_buffer,
        s.state.grad_avg ?? 0, lr, alpha, eps, weightDecay, momentum, +centered, +maximize);
    }
  }
}
