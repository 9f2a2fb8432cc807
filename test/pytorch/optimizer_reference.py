"""PyTorch's optimizers on the cases of test/pytorch-optimizers.test.ts.

Reads a JSON list of cases on stdin:
  {"optimizer": "SGD" | "RMSprop" | "Adam" | "AdamW", "options": {torch's keyword arguments},
   "params": [bits, ...], "steps": [{"grads": [bits, ...], "lr"?: x, "momentum"?: x}, ...]}
where bits are float32 bit patterns (uint32). Before each step the step's lr and momentum (betas[0] for
Adam) go into the param group, as a schedule would set them. Prints, per case, the parameters after
every step and the final state tensors, as bit patterns:
  {"trajectory": [[bits per param] per step], "state": {name: [bits per param]}}

SGD and non-centered RMSprop are torch.optim's own classes (1.13's single-tensor code is the same as
2.x's for these). Adam, AdamW and centered RMSprop are transcribed from PyTorch 2.x's single-tensor code,
which updates the running averages with lerp_ where 1.13 used mul_().add_(); heavyball follows 2.x.
"""
import json
import math
import sys

import numpy as np
import torch


def tensor(bits):
    return torch.from_numpy(np.array(bits, dtype=np.uint32).view(np.float32).copy())


def bits(t):
    return t.detach().numpy().view(np.uint32).tolist()


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
    params = [tensor(b).requires_grad_() for b in case['params']]
    opt = optimizer(case['optimizer'], params, case['options'])
    group = opt.param_groups[0]
    trajectory = []
    for step in case['steps']:
        if 'lr' in step:
            group['lr'] = step['lr']
        if 'momentum' in step:
            if 'betas' in group:
                group['betas'] = (step['momentum'], group['betas'][1])
            else:
                group['momentum'] = step['momentum']
        for p, g in zip(params, step['grads']):
            p.grad = tensor(g)
        opt.step()
        trajectory.append([bits(p) for p in params])
    names = {name for p in params for name, v in opt.state[p].items()
             if isinstance(v, torch.Tensor) and v.shape == p.shape}
    state = {name: [bits(opt.state[p][name]) for p in params] for name in sorted(names)}
    return {'trajectory': trajectory, 'state': state}


if __name__ == '__main__':
    torch.set_num_threads(1)
    json.dump([run(case) for case in json.load(sys.stdin)], sys.stdout)
