"""PyTorch's optimizers on the cases of test/pytorch-optimizers.test.ts: writes
test/fixtures/pytorch/optimizers.json (with --check, compares the live PyTorch with it; see fixture_files.py).

Each case's float32 parameters and gradients come from numpy's generator seeded 1000 + its index. Before
each step the step's lr and momentum (betas[0] for Adam) go into the param group, as a schedule would set
them. The fixture holds, per case, heavyball's options, the inputs, the parameters after every step and
the final state tensors, every float32 array as base64 of its little-endian bytes:
  {"kind", "name", "options", "params": [per param], "steps": [{"grads": [per param], "lr"?, "momentum"?}],
   "trajectory": [[per param] per step], "state": {name: [per param]}}

SGD and non-centered RMSprop are torch.optim's own classes (1.13's single-tensor code is the same as
2.x's for these). Adam, AdamW and centered RMSprop are transcribed from PyTorch 2.x's single-tensor code,
which updates the running averages with lerp_ where 1.13 used mul_().add_(); heavyball follows 2.x.
"""
import math
import re

import numpy as np
import torch

from fixture_files import f32, from_f32, json_bytes, main


def _single_tensor_adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, *, amsgrad,
                        beta1, beta2, lr, weight_decay, eps, maximize, decoupled_weight_decay):
    """torch/optim/adam.py of PyTorch 2.x, `_single_tensor_adam` with capturable=False and
    differentiable=False on real tensors; AdamW is Adam(decoupled_weight_decay=True) there."""
    for i, param in enumerate(params):
        grad = grads[i] if not maximize else -grads[i]
        exp_avg = exp_avgs[i]
        exp_avg_sq = exp_avg_sqs[i]
        step_t = state_steps[i]

        # update step
        step_t += 1

        if weight_decay != 0:
            if decoupled_weight_decay:
                # Perform stepweight decay
                param.mul_(1 - lr * weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)

        # Decay the first and second moment running average coefficient
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad.conj(), value=1 - beta2)

        step = step_t.item()  # _get_value(step_t)

        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step

        step_size = lr / bias_correction1

        bias_correction2_sqrt = math.sqrt(bias_correction2)  # _dispatch_sqrt(bias_correction2)

        if amsgrad:
            # Maintains the maximum of all 2nd moment running avg. till now
            torch.maximum(max_exp_avg_sqs[i], exp_avg_sq, out=max_exp_avg_sqs[i])

            # Use the max. for normalizing running avg. of gradient
            denom = (max_exp_avg_sqs[i].sqrt() / bias_correction2_sqrt).add_(eps)
        else:
            denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)

        param.addcdiv_(exp_avg, denom, value=-step_size)


def _single_tensor_rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffer_list, state_steps, *, lr,
                           alpha, eps, weight_decay, momentum, centered, maximize):
    """torch/optim/rmsprop.py of PyTorch 2.x, `_single_tensor_rmsprop` with capturable=False and
    differentiable=False on real tensors."""
    for i, param in enumerate(params):
        step = state_steps[i]
        grad = grads[i]
        grad = grad if not maximize else -grad
        square_avg = square_avgs[i]

        step += 1

        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)

        square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)

        if centered:
            grad_avg = grad_avgs[i]
            grad_avg.lerp_(grad, 1 - alpha)
            avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
        else:
            avg = square_avg.sqrt()

        avg = avg.add_(eps)

        if momentum > 0:
            buf = momentum_buffer_list[i]
            buf.mul_(momentum).addcdiv_(grad, avg)
            param.add_(buf, alpha=-lr)
        else:
            param.addcdiv_(grad, avg, value=-lr)


class Transcribed:
    """The part of torch.optim.Optimizer these cases use: one param group, a state dict per parameter
    initialised as 2.x's `_init_group` does, and a step that calls the single-tensor function."""

    def __init__(self, params, defaults, options, init, update):
        self.params = params
        self.param_groups = [{**defaults, **options}]
        self.state = {p: init(p, self.param_groups[0]) for p in params}
        self.update = update

    @torch.no_grad()
    def step(self):
        self.update(self.params, [self.state[p] for p in self.params], self.param_groups[0])


def adam(params, options, decoupled):
    def init(p, group):
        state = {'step': torch.tensor(0.0, dtype=torch.float32), 'exp_avg': torch.zeros_like(p),
                 'exp_avg_sq': torch.zeros_like(p)}
        if group['amsgrad']:
            state['max_exp_avg_sq'] = torch.zeros_like(p)
        return state

    def update(ps, states, group):
        beta1, beta2 = group['betas']
        _single_tensor_adam(
            ps, [p.grad for p in ps], [s['exp_avg'] for s in states], [s['exp_avg_sq'] for s in states],
            [s['max_exp_avg_sq'] for s in states] if group['amsgrad'] else [], [s['step'] for s in states],
            amsgrad=group['amsgrad'], beta1=beta1, beta2=beta2, lr=group['lr'],
            weight_decay=group['weight_decay'], eps=group['eps'], maximize=group['maximize'],
            decoupled_weight_decay=decoupled)

    defaults = {'lr': 1e-3, 'betas': (0.9, 0.999), 'eps': 1e-8, 'weight_decay': 1e-2 if decoupled else 0,
                'amsgrad': False, 'maximize': False}
    options = {**options, **({'betas': tuple(options['betas'])} if 'betas' in options else {})}
    return Transcribed(params, defaults, options, init, update)


def centered_rmsprop(params, options):
    def init(p, group):
        state = {'step': torch.tensor(0.0, dtype=torch.float32), 'square_avg': torch.zeros_like(p),
                 'grad_avg': torch.zeros_like(p)}
        if group['momentum'] > 0:
            state['momentum_buffer'] = torch.zeros_like(p)
        return state

    def update(ps, states, group):
        _single_tensor_rmsprop(
            ps, [p.grad for p in ps], [s['square_avg'] for s in states], [s['grad_avg'] for s in states],
            [s['momentum_buffer'] for s in states] if group['momentum'] > 0 else [],
            [s['step'] for s in states], lr=group['lr'], alpha=group['alpha'], eps=group['eps'],
            weight_decay=group['weight_decay'], momentum=group['momentum'], centered=True,
            maximize=group['maximize'])

    defaults = {'lr': 1e-2, 'alpha': 0.99, 'eps': 1e-8, 'weight_decay': 0, 'momentum': 0, 'maximize': False}
    return Transcribed(params, defaults, {k: v for k, v in options.items() if k != 'centered'}, init, update)


def optimizer(kind, params, options):
    if kind == 'SGD':
        return torch.optim.SGD(params, foreach=False, **options)
    if kind == 'RMSprop':
        if options.get('centered'):
            return centered_rmsprop(params, options)
        return torch.optim.RMSprop(params, foreach=False, **options)
    if kind in ('Adam', 'AdamW'):
        return adam(params, options, decoupled=kind == 'AdamW')
    raise ValueError(f'unknown optimizer {kind}')


def run(case):
    params = [from_f32(b).requires_grad_() for b in case["params"]]
    opt = optimizer(case["kind"], params, torch_options(case["options"]))
    group = opt.param_groups[0]
    trajectory = []
    for step in case["steps"]:
        if "lr" in step:
            group["lr"] = step["lr"]
        if "momentum" in step:
            if "betas" in group:
                group["betas"] = (step["momentum"], group["betas"][1])
            else:
                group["momentum"] = step["momentum"]
        for p, g in zip(params, step["grads"]):
            p.grad = from_f32(g)
        opt.step()
        trajectory.append([f32(p) for p in params])
    names = {name for p in params for name, v in opt.state[p].items()
             if isinstance(v, torch.Tensor) and v.shape == p.shape}
    state = {name: [f32(opt.state[p][name]) for p in params] for name in sorted(names)}
    return {**case, "trajectory": trajectory, "state": state}


def torch_options(options):
    """heavyball's camelCase options as torch's keyword arguments (weightDecay -> weight_decay)."""
    return {re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), k): v for k, v in options.items()}


def amsgrad_scale(t):
    """Gradients alternately large and small, so that AMSGrad's running maximum exceeds exp_avg_sq."""
    return 4 if t % 3 == 1 else 0.25


def case(kind, name, options, sizes=(37, 129), steps=6, schedule=None, grad_scale=None):
    """Two parameters (sizes that are not multiples of 4 run the SIMD body and the scalar tail); `schedule(t)`
    gives the lr and momentum set before step t (1-based), `grad_scale(t)` the scale of its gradients."""
    return {"kind": kind, "name": name, "options": options, "sizes": sizes, "steps": steps,
            "schedule": schedule or (lambda t: {}), "grad_scale": grad_scale or (lambda t: 1)}


CASES = [
    case("SGD", "plain", {"lr": 0.1}),
    case("SGD", "momentum 0.9", {"lr": 0.05, "momentum": 0.9}),
    case("SGD", "momentum with dampening 0.3", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}, sizes=(130, 39)),
    case("SGD", "Nesterov", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    case("SGD", "weight decay, maximize", {"lr": 0.1, "weightDecay": 0.01, "maximize": True}),
    case("SGD", "Nesterov, weight decay, maximize",
         {"lr": 0.02, "momentum": 0.8, "nesterov": True, "weightDecay": 0.05, "maximize": True}, sizes=(6, 131)),
    case("SGD", "momentum, dampening, weight decay", {"lr": 0.03, "momentum": 0.5, "dampening": 0.3, "weightDecay": 1e-3}),
    case("SGD", "lr and momentum changed every step", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}, steps=8,
         schedule=lambda t: {"lr": 0.1 * 0.7 ** t, "momentum": [0.9, 0.85, 0.8, 0.5, 0.95, 0.6, 0.7, 0.9][t - 1]}),
    # PyTorch's buffer is None until the first step with momentum, which clones the gradient (no dampening).
    case("SGD", "momentum switched on mid-run, off and on again", {"lr": 0.05, "dampening": 0.3}, steps=8,
         schedule=lambda t: {"momentum": [0, 0, 0.9, 0.9, 0, 0, 0.5, 0.5][t - 1]}),
    case("RMSprop", "defaults", {}),
    case("RMSprop", "momentum 0.9", {"lr": 0.01, "momentum": 0.9}),
    case("RMSprop", "weight decay, maximize, alpha 0.9",
         {"lr": 0.05, "alpha": 0.9, "weightDecay": 0.1, "maximize": True}, sizes=(130, 39)),
    case("RMSprop", "momentum, weight decay, maximize, eps 1e-3",
         {"lr": 0.02, "momentum": 0.5, "weightDecay": 0.05, "maximize": True, "eps": 1e-3}),
    # PyTorch creates the buffer at the first step only if momentum > 0 then; switching it on later is a KeyError.
    case("RMSprop", "lr and momentum changed, momentum off and on again", {"lr": 0.01, "momentum": 0.9}, steps=7,
         schedule=lambda t: {"lr": 0.004 if t >= 4 else 0.01, "momentum": [0.9, 0.9, 0.5, 0, 0, 0.5, 0.9][t - 1]}),
    case("RMSprop", "centered", {"centered": True}),
    case("RMSprop", "centered, momentum, alpha 0.9", {"centered": True, "momentum": 0.9, "alpha": 0.9}, sizes=(6, 131)),
    # 1 - alpha = 0.7 >= 0.5 takes lerp's other formula, end - (1 - w)·(end - start).
    case("RMSprop", "centered, alpha 0.3", {"centered": True, "alpha": 0.3, "lr": 0.005}),
    case("RMSprop", "centered, weight decay, maximize, lr changed",
         {"centered": True, "weightDecay": 0.1, "maximize": True, "momentum": 0.3}, steps=8,
         schedule=lambda t: {"lr": 0.01 / t}),
    case("Adam", "defaults", {}),
    case("Adam", "lr 0.1, AMSGrad, betas [0.9, 0.5]", {"lr": 0.1, "betas": [0.9, 0.5], "amsgrad": True}, steps=8,
         grad_scale=amsgrad_scale),
    case("Adam", "L2 weight decay, maximize, eps 0.1, betas [0.8, 0.999]",
         {"lr": 0.1, "weightDecay": 0.1, "maximize": True, "eps": 0.1, "betas": [0.8, 0.999]}, sizes=(130, 39)),
    # 1 - beta1 = 0.7 >= 0.5 takes lerp's other formula.
    case("Adam", "betas [0.3, 0.9]", {"lr": 0.01, "betas": [0.3, 0.9]}),
    case("Adam", "AMSGrad, weight decay, maximize",
         {"lr": 0.05, "amsgrad": True, "weightDecay": 0.05, "maximize": True, "betas": [0.9, 0.6]}, sizes=(6, 131),
         grad_scale=amsgrad_scale),
    case("Adam", "lr and betas[0] changed (bias correction from the current beta1)", {"lr": 0.1}, steps=8,
         schedule=lambda t: {"lr": 0.1 / t, "momentum": [0.9, 0.9, 0.8, 0.8, 0.3, 0.6, 0.95, 0.9][t - 1]}),
    case("AdamW", "defaults but lr (weight decay 1e-2)", {"lr": 0.01}),
    case("AdamW", "AMSGrad, weight decay 0.5, betas [0.9, 0.5]",
         {"lr": 0.1, "betas": [0.9, 0.5], "weightDecay": 0.5, "amsgrad": True}, steps=8, grad_scale=amsgrad_scale),
    case("AdamW", "maximize, betas [0.4, 0.99], lr changed",
         {"lr": 0.05, "betas": [0.4, 0.99], "weightDecay": 0.1, "maximize": True}, sizes=(130, 39),
         schedule=lambda t: {"lr": 0.02 if t >= 3 else 0.05}),
]


def inputs(c, seed):
    """The case's parameters, and per step its gradients and the lr and momentum set before it."""
    rng = np.random.default_rng(seed)

    def normals(n, scale=1):
        return (scale * rng.standard_normal(n)).astype(np.float32)

    params = [f32(normals(n)) for n in c["sizes"]]
    steps = [{"grads": [f32(normals(n, c["grad_scale"](t))) for n in c["sizes"]], **c["schedule"](t)}
             for t in range(1, c["steps"] + 1)]
    return {"kind": c["kind"], "name": c["name"], "options": c["options"], "params": params, "steps": steps}


def fixtures():
    return {"optimizers.json": json_bytes([run(inputs(c, 1000 + i)) for i, c in enumerate(CASES)])}


if __name__ == "__main__":
    main("optimizer_reference.py", fixtures)
