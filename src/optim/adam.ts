import { BaseOptimizer, type Group, type OptimizerSpec, withDefaults } from './base-optimizer.js';
import type { Params } from './param-groups.js';

export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
  /** AdamW's weight decay, p ← p·(1 − lr·weightDecay), instead of weightDecay·p added to the gradient. */
  decoupledWeightDecay?: boolean;
}
type AdamHyper = Required<Omit<AdamOptions, 'betas'>> & { betas: [number, number] };

export const adamSpec: OptimizerSpec<AdamHyper> = {
  kind: 'Adam',
  options: {
    lr: { default: 1e-3, rule: { number: '≥ 0' } },
    betas: { default: [0.9, 0.999], rule: { pair: '[0, 1)', items: ['beta1', 'beta2'] } },
    eps: { default: 1e-8, rule: { number: '> 0' } },
    weightDecay: { default: 0, rule: { number: '≥ 0' } },
    amsgrad: { default: false, rule: 'boolean' },
    maximize: { default: false, rule: 'boolean' },
    decoupledWeightDecay: { default: false, rule: 'boolean' },
  },
  momentum: 'betas',
  buffers: (h) => (h.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq']),
};

export const adamWSpec = withDefaults(adamSpec, 'AdamW', { weightDecay: 1e-2, decoupledWeightDecay: true });

/** PyTorch's Adam (Kingma & Ba), with AMSGrad as an option; `momentum` is betas[0]. */
export class Adam extends BaseOptimizer<AdamHyper> {
  static readonly spec: OptimizerSpec<AdamHyper> = adamSpec;

  constructor(params: Params<AdamOptions>, options: AdamOptions = {}) {
    super(params, options);
  }

  protected update(g: Group<AdamHyper>): void {
    const { lr, betas, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay } = g.hyper;
    const t = this.steps;
    const stepSize = lr / (1 - betas[0] ** t);
    const bc2Sqrt = Math.sqrt(1 - betas[1] ** t);
    for (const s of g.spans) {
      this.engine.kernels.adamStep(s.size, s.dataPtr, s.gradPtr, s.state.exp_avg, s.state.exp_avg_sq,
        s.state.max_exp_avg_sq ?? 0, lr, betas[0], betas[1], eps, weightDecay, +decoupledWeightDecay, +amsgrad,
        +maximize, stepSize, bc2Sqrt);
    }
  }
}

/** PyTorch's AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, 1e-2 by default. */
export class AdamW extends Adam {
  static override readonly spec = adamWSpec;
}
