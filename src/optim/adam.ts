import { type OptimizerSpec, BaseOptimizer, type Group } from './base-optimizer.js';
import { checkBoolean, checkKeys, checkNumber, defined } from './check.js';
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
interface AdamHyper {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  decoupledWeightDecay: boolean;
}

const spec: OptimizerSpec<AdamHyper> = {
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false,
    decoupledWeightDecay: false },
  resolve(o) {
    checkKeys('Adam', o, ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize', 'decoupledWeightDecay']);
    const betas = o.betas;
    if (!Array.isArray(betas) || betas.length !== 2) throw new TypeError(`betas must be a pair [beta1, beta2], got ${betas}`);
    return {
      lr: checkNumber('lr', o.lr, '≥ 0'),
      betas: [checkNumber('betas[0]', betas[0], '[0, 1)'), checkNumber('betas[1]', betas[1], '[0, 1)')],
      eps: checkNumber('eps', o.eps, '> 0'),
      weightDecay: checkNumber('weightDecay', o.weightDecay, '≥ 0'),
      amsgrad: checkBoolean('amsgrad', o.amsgrad),
      maximize: checkBoolean('maximize', o.maximize),
      decoupledWeightDecay: checkBoolean('decoupledWeightDecay', o.decoupledWeightDecay),
    };
  },
  buffers: (h) => (h.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq']),
};

/** PyTorch's Adam (Kingma & Ba), with AMSGrad as an option; `momentum` is betas[0]. */
export class Adam extends BaseOptimizer<AdamHyper> {
  readonly kind: string = 'Adam';

  constructor(params: Params<AdamOptions>, options: AdamOptions = {}) {
    super(params, options, spec);
  }

  get momentum(): number {
    return this.groups[0].hyper.betas[0];
  }

  set momentum(value: number) {
    this.configure((h) => ({ betas: [value, h.betas[1]] }));
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
  override readonly kind: string = 'AdamW';

  constructor(params: Params<AdamOptions>, options: AdamOptions = {}) {
    super(params, { weightDecay: 1e-2, decoupledWeightDecay: true, ...defined(options) });
  }
}
