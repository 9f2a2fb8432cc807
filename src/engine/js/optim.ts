import type { Heap } from './heap.js';

// The optimizer updates of assembly/optim.ts in plain TypeScript, rounding every operation to f32 the
// way the wasm kernels do, so the two agree bit for bit. Float index = byte pointer >>> 2.

const f = Math.fround;

/** ATen's lerp: start + w·(end − start) when |w| < 0.5, else end − (1 − w)·(end − start). */
function lerp(start: number, end: number, w: number): number {
  return Math.abs(w) < 0.5 ? f(start + f(w * f(end - start))) : f(end - f(f(1 - w) * f(end - start)));
}

export function sgdStep(h: Heap, n: number, param: number, grad: number, buf: number, lr: number,
  momentum: number, dampening: number, weightDecay: number, nesterov: number, maximize: number,
  first: number): void {
  const x = h.f32;
  const lr32 = f(lr), mom = f(momentum), keep = f(1 - dampening), wd = f(weightDecay);
  const p0 = param >>> 2, g0 = grad >>> 2, b0 = buf >>> 2;
  for (let i = 0; i < n; i++) {
    const p = x[p0 + i];
    let g = maximize ? -x[g0 + i] : x[g0 + i];
    if (weightDecay !== 0) g = f(g + f(wd * p));
    if (momentum !== 0) {
      const b = first ? g : f(f(mom * x[b0 + i]) + f(keep * g));
      x[b0 + i] = b;
      g = nesterov ? f(g + f(mom * b)) : b;
    }
    x[p0 + i] = p - f(lr32 * g);
  }
}

export function adamStep(h: Heap, n: number, param: number, grad: number, m: number, v: number,
  vmax: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number,
  decoupled: number, amsgrad: number, maximize: number, stepSize: number, bc2Sqrt: number): void {
  const x = h.f32;
  const wd = f(weightDecay), shrink = f(1 - lr * weightDecay), w = f(1 - beta1);
  const b2 = f(beta2), omb2 = f(1 - beta2), bc2 = f(bc2Sqrt), e = f(eps), ss = f(stepSize);
  const p0 = param >>> 2, g0 = grad >>> 2, m0 = m >>> 2, v0 = v >>> 2, vm0 = vmax >>> 2;
  for (let i = 0; i < n; i++) {
    let p = x[p0 + i];
    let g = maximize ? -x[g0 + i] : x[g0 + i];
    if (weightDecay !== 0) {
      if (decoupled) p = f(p * shrink);
      else g = f(g + f(wd * p));
    }
    const mi = lerp(x[m0 + i], g, w);
    x[m0 + i] = mi;
    let vi = f(f(b2 * x[v0 + i]) + f(f(omb2 * g) * g));
    x[v0 + i] = vi;
    if (amsgrad) {
      vi = Math.max(x[vm0 + i], vi);
      x[vm0 + i] = vi;
    }
    const denom = f(f(f(Math.sqrt(vi)) / bc2) + e);
    x[p0 + i] = p - f(f(ss * mi) / denom);
  }
}

export function rmspropStep(h: Heap, n: number, param: number, grad: number, sq: number, buf: number,
  gavg: number, lr: number, alpha: number, eps: number, weightDecay: number, momentum: number,
  centered: number, maximize: number): void {
  const x = h.f32;
  const wd = f(weightDecay), a = f(alpha), oma = f(1 - alpha), e = f(eps), mom = f(momentum), lr32 = f(lr);
  const p0 = param >>> 2, g0 = grad >>> 2, s0 = sq >>> 2, b0 = buf >>> 2, a0 = gavg >>> 2;
  for (let i = 0; i < n; i++) {
    const p = x[p0 + i];
    let g = maximize ? -x[g0 + i] : x[g0 + i];
    if (weightDecay !== 0) g = f(g + f(wd * p));
    const s = f(f(a * x[s0 + i]) + f(f(oma * g) * g));
    x[s0 + i] = s;
    let avg: number;
    if (centered) {
      const ga = lerp(x[a0 + i], g, oma);
      x[a0 + i] = ga;
      avg = f(f(Math.sqrt(f(s - f(ga * ga)))) + e);
    } else {
      avg = f(f(Math.sqrt(s)) + e);
    }
    if (momentum > 0) {
      const b = f(f(mom * x[b0 + i]) + f(g / avg));
      x[b0 + i] = b;
      x[p0 + i] = p - f(lr32 * b);
    } else {
      x[p0 + i] = p - f(f(lr32 * g) / avg);
    }
  }
}
