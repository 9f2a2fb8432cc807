// Fused optimizer updates: one pass over a flat parameter block, f32x4 with a scalar tail.
//
// Each step follows torch.optim's single-tensor algorithm operation by operation, every operation
// rounded to f32 (ATen's CPU kernels: add(alpha) = self + alpha·other, addcmul = self + value·t1·t2,
// addcdiv = self + value·t1/t2, lerp as in ATen's lerp). Scalars arrive as f64 and are rounded to f32
// where ATen would, after computing derived ones such as 1 − dampening in f64 as Python does.
// The vector and scalar bodies compute the same expression in the same order, so a result does not
// depend on whether its element falls in the tail. Flags select a loop specialized at compile time
// (@inline with constant arguments), so nothing branches per element. Negating a gradient for
// `maximize` is a multiplication by ±1, which is exact.

// ---------------------------------------------------------------------------------------------- SGD

export function sgdStep(n: i32, param: usize, grad: usize, buf: usize, lr: f64, momentum: f64,
  dampening: f64, weightDecay: f64, nesterov: i32, maximize: i32, first: i32): void {
  if (weightDecay != 0) {
    sgdByMomentum(true, n, param, grad, buf, lr, momentum, dampening, weightDecay, nesterov, maximize, first);
  } else {
    sgdByMomentum(false, n, param, grad, buf, lr, momentum, dampening, weightDecay, nesterov, maximize, first);
  }
}

// @ts-ignore: decorator
@inline function sgdByMomentum(decay: bool, n: i32, param: usize, grad: usize, buf: usize, lr: f64,
  momentum: f64, dampening: f64, weightDecay: f64, nesterov: i32, maximize: i32, first: i32): void {
  const lr32 = <f32>lr;
  const mom = <f32>momentum;
  const keep = <f32>(1 - dampening);
  const wd = <f32>weightDecay;
  const sign: f32 = maximize ? -1 : 1;
  if (momentum == 0) {
    sgdLoop(decay, false, false, false, n, param, grad, buf, lr32, mom, keep, wd, sign);
  } else if (first) {
    if (nesterov) sgdLoop(decay, true, true, true, n, param, grad, buf, lr32, mom, keep, wd, sign);
    else sgdLoop(decay, true, true, false, n, param, grad, buf, lr32, mom, keep, wd, sign);
  } else {
    if (nesterov) sgdLoop(decay, true, false, true, n, param, grad, buf, lr32, mom, keep, wd, sign);
    else sgdLoop(decay, true, false, false, n, param, grad, buf, lr32, mom, keep, wd, sign);
  }
}

// @ts-ignore: decorator
@inline function sgdLoop(decay: bool, heavyBall: bool, first: bool, nesterov: bool, n: i32,
  param: usize, grad: usize, buf: usize, lr: f32, mom: f32, keep: f32, wd: f32, sign: f32): void {
  const lrV = f32x4.splat(lr);
  const momV = f32x4.splat(mom);
  const keepV = f32x4.splat(keep);
  const wdV = f32x4.splat(wd);
  const signV = f32x4.splat(sign);
  const vecEnd = param + ((<usize>n & ~3) << 2);
  const end = param + (<usize>n << 2);
  while (param < vecEnd) {
    const p = v128.load(param);
    let g = f32x4.mul(v128.load(grad), signV);
    if (decay) g = f32x4.add(g, f32x4.mul(wdV, p));
    if (heavyBall) {
      const b = first ? g : f32x4.add(f32x4.mul(momV, v128.load(buf)), f32x4.mul(keepV, g));
      v128.store(buf, b);
      g = nesterov ? f32x4.add(g, f32x4.mul(momV, b)) : b;
    }
    v128.store(param, f32x4.sub(p, f32x4.mul(lrV, g)));
    param += 16; grad += 16; buf += 16;
  }
  while (param < end) {
    const p = load<f32>(param);
    let g = load<f32>(grad) * sign;
    if (decay) g = g + wd * p;
    if (heavyBall) {
      const b = first ? g : mom * load<f32>(buf) + keep * g;
      store<f32>(buf, b);
      g = nesterov ? g + mom * b : b;
    }
    store<f32>(param, p - lr * g);
    param += 4; grad += 4; buf += 4;
  }
}

// ------------------------------------------------------------------------------------- Adam, AdamW

export function adamStep(n: i32, param: usize, grad: usize, m: usize, v: usize, vmax: usize, lr: f64,
  beta1: f64, beta2: f64, eps: f64, weightDecay: f64, decoupled: i32, amsgrad: i32, maximize: i32,
  stepSize: f64, bc2Sqrt: f64): void {
  if (weightDecay == 0) {
    adamByAmsgrad(false, false, n, param, grad, m, v, vmax, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, stepSize, bc2Sqrt);
  } else if (decoupled) {
    adamByAmsgrad(false, true, n, param, grad, m, v, vmax, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, stepSize, bc2Sqrt);
  } else {
    adamByAmsgrad(true, false, n, param, grad, m, v, vmax, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, stepSize, bc2Sqrt);
  }
}

// @ts-ignore: decorator
@inline function adamByAmsgrad(coupled: bool, decoupled: bool, n: i32, param: usize, grad: usize, m: usize, v: usize,
  vmax: usize, lr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, amsgrad: i32, maximize: i32,
  stepSize: f64, bc2Sqrt: f64): void {
  const sign: f32 = maximize ? -1 : 1;
  const wd = <f32>weightDecay;
  const shrink = <f32>(1 - lr * weightDecay);
  const w = <f32>(1 - beta1);
  const b2 = <f32>beta2, omb2 = <f32>(1 - beta2), bc2 = <f32>bc2Sqrt, e = <f32>eps, ss = <f32>stepSize;
  if (amsgrad) {
    adamLoop(coupled, decoupled, true, n, param, grad, m, v, vmax, sign, wd, shrink, lerpIsSmall(w), lerpCoeff(w), b2, omb2, bc2, e, ss);
  } else {
    adamLoop(coupled, decoupled, false, n, param, grad, m, v, vmax, sign, wd, shrink, lerpIsSmall(w), lerpCoeff(w), b2, omb2, bc2, e, ss);
  }
}

// @ts-ignore: decorator
@inline function adamLoop(coupled: bool, decoupled: bool, amsgrad: bool, n: i32, param: usize, grad: usize, m: usize,
  v: usize, vmax: usize, sign: f32, wd: f32, shrink: f32, small: bool, coeff: f32, beta2: f32, omb2: f32,
  bc2: f32, eps: f32, stepSize: f32): void {
  const signV = f32x4.splat(sign), wdV = f32x4.splat(wd), shrinkV = f32x4.splat(shrink);
  const beta2V = f32x4.splat(beta2), omb2V = f32x4.splat(omb2), bc2V = f32x4.splat(bc2);
  const epsV = f32x4.splat(eps), stepSizeV = f32x4.splat(stepSize);
  const smallV = i32x4.splat(small ? -1 : 0), coeffV = f32x4.splat(coeff);
  const vecEnd = param + ((<usize>n & ~3) << 2);
  const end = param + (<usize>n << 2);
  while (param < vecEnd) {
    let p = v128.load(param);
    let g = f32x4.mul(v128.load(grad), signV);
    if (decoupled) p = f32x4.mul(p, shrinkV);
    if (coupled) g = f32x4.add(g, f32x4.mul(wdV, p));
    const m0 = v128.load(m);
    const m1 = f32x4.add(v128.bitselect(m0, g, smallV), f32x4.mul(coeffV, f32x4.sub(g, m0)));
    v128.store(m, m1);
    let v1 = f32x4.add(f32x4.mul(beta2V, v128.load(v)), f32x4.mul(f32x4.mul(omb2V, g), g));
    v128.store(v, v1);
    if (amsgrad) {
      v1 = f32x4.max(v128.load(vmax), v1);
      v128.store(vmax, v1);
    }
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(v1), bc2V), epsV);
    v128.store(param, f32x4.sub(p, f32x4.div(f32x4.mul(stepSizeV, m1), denom)));
    param += 16; grad += 16; m += 16; v += 16; vmax += 16;
  }
  while (param < end) {
    let p = load<f32>(param);
    let g = load<f32>(grad) * sign;
    if (decoupled) p = p * shrink;
    if (coupled) g = g + wd * p;
    const m0 = load<f32>(m);
    const m1 = select(m0, g, small) + coeff * (g - m0);
    store<f32>(m, m1);
    let v1 = beta2 * load<f32>(v) + (omb2 * g) * g;
    store<f32>(v, v1);
    if (amsgrad) {
      v1 = Mathf.max(load<f32>(vmax), v1);
      store<f32>(vmax, v1);
    }
    const denom = Mathf.sqrt(v1) / bc2 + eps;
    store<f32>(param, p - (stepSize * m1) / denom);
    param += 4; grad += 4; m += 4; v += 4; vmax += 4;
  }
}

// ATen's lerp(start, end, w) is start + w·(end − start) when |w| < 0.5, else end − (1 − w)·(end − start);
// both are base + coeff·(end − start), so one loop serves either, choosing base by a loop-invariant select.

// @ts-ignore: decorator
@inline function lerpIsSmall(weight: f32): bool {
  return Mathf.abs(weight) < 0.5;
}

// @ts-ignore: decorator
@inline function lerpCoeff(weight: f32): f32 {
  return lerpIsSmall(weight) ? weight : weight - 1;
}

// ------------------------------------------------------------------------------------------ RMSprop

export function rmspropStep(n: i32, param: usize, grad: usize, sq: usize, buf: usize, gavg: usize,
  lr: f64, alpha: f64, eps: f64, weightDecay: f64, momentum: f64, centered: i32, maximize: i32): void {
  if (weightDecay != 0) {
    rmspropByFlags(true, n, param, grad, sq, buf, gavg, lr, alpha, eps, weightDecay, momentum, centered, maximize);
  } else {
    rmspropByFlags(false, n, param, grad, sq, buf, gavg, lr, alpha, eps, weightDecay, momentum, centered, maximize);
  }
}

// @ts-ignore: decorator
@inline function rmspropByFlags(decay: bool, n: i32, param: usize, grad: usize, sq: usize, buf: usize,
  gavg: usize, lr: f64, alpha: f64, eps: f64, weightDecay: f64, momentum: f64, centered: i32,
  maximize: i32): void {
  const sign: f32 = maximize ? -1 : 1;
  const wd = <f32>weightDecay, a = <f32>alpha, oma = <f32>(1 - alpha);
  const small = lerpIsSmall(oma), coeff = lerpCoeff(oma);
  const e = <f32>eps, mom = <f32>momentum, lr32 = <f32>lr;
  if (centered) {
    if (momentum > 0) rmspropLoop(decay, true, true, n, param, grad, sq, buf, gavg, sign, wd, a, oma, small, coeff, e, mom, lr32);
    else rmspropLoop(decay, true, false, n, param, grad, sq, buf, gavg, sign, wd, a, oma, small, coeff, e, mom, lr32);
  } else {
    if (momentum > 0) rmspropLoop(decay, false, true, n, param, grad, sq, buf, gavg, sign, wd, a, oma, small, coeff, e, mom, lr32);
    else rmspropLoop(decay, false, false, n, param, grad, sq, buf, gavg, sign, wd, a, oma, small, coeff, e, mom, lr32);
  }
}

// @ts-ignore: decorator
@inline function rmspropLoop(decay: bool, centered: bool, heavyBall: bool, n: i32, param: usize,
  grad: usize, sq: usize, buf: usize, gavg: usize, sign: f32, wd: f32, alpha: f32, oma: f32, small: bool,
  coeff: f32, eps: f32, mom: f32, lr: f32): void {
  const signV = f32x4.splat(sign), wdV = f32x4.splat(wd), alphaV = f32x4.splat(alpha);
  const omaV = f32x4.splat(oma), epsV = f32x4.splat(eps), momV = f32x4.splat(mom);
  const lrV = f32x4.splat(lr), smallV = i32x4.splat(small ? -1 : 0), coeffV = f32x4.splat(coeff);
  const vecEnd = param + ((<usize>n & ~3) << 2);
  const end = param + (<usize>n << 2);
  while (param < vecEnd) {
    const p = v128.load(param);
    let g = f32x4.mul(v128.load(grad), signV);
    if (decay) g = f32x4.add(g, f32x4.mul(wdV, p));
    const sq1 = f32x4.add(f32x4.mul(alphaV, v128.load(sq)), f32x4.mul(f32x4.mul(omaV, g), g));
    v128.store(sq, sq1);
    let avg: v128;
    if (centered) {
      const a0 = v128.load(gavg);
      const a1 = f32x4.add(v128.bitselect(a0, g, smallV), f32x4.mul(coeffV, f32x4.sub(g, a0)));
      v128.store(gavg, a1);
      avg = f32x4.add(f32x4.sqrt(f32x4.sub(sq1, f32x4.mul(a1, a1))), epsV);
    } else {
      avg = f32x4.add(f32x4.sqrt(sq1), epsV);
    }
    if (heavyBall) {
      const b = f32x4.add(f32x4.mul(momV, v128.load(buf)), f32x4.div(g, avg));
      v128.store(buf, b);
      v128.store(param, f32x4.sub(p, f32x4.mul(lrV, b)));
    } else {
      v128.store(param, f32x4.sub(p, f32x4.div(f32x4.mul(lrV, g), avg)));
    }
    param += 16; grad += 16; sq += 16; buf += 16; gavg += 16;
  }
  while (param < end) {
    const p = load<f32>(param);
    let g = load<f32>(grad) * sign;
    if (decay) g = g + wd * p;
    const sq1 = alpha * load<f32>(sq) + (oma * g) * g;
    store<f32>(sq, sq1);
    let avg: f32;
    if (centered) {
      const a0 = load<f32>(gavg);
      const a1 = select(a0, g, small) + coeff * (g - a0);
      store<f32>(gavg, a1);
      avg = Mathf.sqrt(sq1 - a1 * a1) + eps;
    } else {
      avg = Mathf.sqrt(sq1) + eps;
    }
    if (heavyBall) {
      const b = mom * load<f32>(buf) + g / avg;
      store<f32>(buf, b);
      store<f32>(param, p - lr * b);
    } else {
      store<f32>(param, p - (lr * g) / avg);
    }
    param += 4; grad += 4; sq += 4; buf += 4; gavg += 4;
  }
}
