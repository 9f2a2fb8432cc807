import type { Engine } from '../../src/engine/engine.js';
import type { KernelName } from '../../src/engine/kernels.js';

/** Linear layers as [inFeatures, outFeatures], to name each GEMM call by its layer and role. */
export type LayerDims = readonly (readonly [number, number])[];

/** Accumulated milliseconds per class of kernel call. */
export interface KernelTimer {
  totals: Map<string, number>;
  reset(): void;
}

const kernelClass: Partial<Record<KernelName | 'gemmPair', string>> = {
  softmaxCrossEntropy: 'loss: softmax cross-entropy (fwd + bwd)',
  sgdStep: 'update: SGD momentum',
  adamStep: 'update: Adam',
  normalizeU8: 'batch preparation: u8 → f32 (kernel)',
  gatherScaleU8: 'batch preparation: gather rows, u8 → f32 (kernel)',
  biasGrad: 'bias gradients',
  reluForward: 'ReLU forward',
  reluBackward: 'ReLU backward',
  accuracyCount: 'accuracy count',
};

/**
 * Times every kernel call of `engine` (its instrumentation hook) into `totals`, by class: GEMM by layer
 * and role, then the kernel's purpose. The overhead is two clock reads per call, ~20 calls per step.
 */
export function timeKernels(engine: Engine, layers: LayerDims): KernelTimer {
  const totals = new Map<string, number>();
  const gemmNames = new Map<string, string>();
  engine.instrument((name, ms, args) => {
    let label = kernelClass[name] ?? name;
    if (name === 'gemm' || name === 'gemmPair') {
      const key = `${name}${args.slice(0, 5).join(',')}`;
      label = gemmNames.get(key) ?? gemmLabel(args, layers);
      if (name === 'gemmPair') label = label.replace(' weight grad (TN)', ' weight and input grads, side by side');
      gemmNames.set(key, label);
    }
    totals.set(label, (totals.get(label) ?? 0) + ms);
  });
  return { totals, reset: () => totals.clear() };
}

/**
 * 'GEMM layer 2 weight grad (TN)' from gemm's (transA, transB, m, n, k), whatever the batch size; a
 * product that matches no layer is named by its shape.
 */
export function gemmLabel(args: readonly number[], layers: LayerDims): string {
  const [transA, transB, m, n, k] = args as [number, number, number, number, number];
  const shape = `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} ${m}×${n}×${k}`;
  const index = layers.findIndex(([inF, outF]) =>
    (transA === 0 && transB === 1 && n === outF && k === inF)
    || (transA === 1 && m === outF && n === inF)
    || (transA === 0 && transB === 0 && n === inF && k === outF));
  if (index < 0) return `GEMM ${shape}`;
  const [inF, outF] = layers[index]!;
  const role = transA === 1 && m === outF && n === inF ? 'weight grad' : transB === 1 && n === outF && k === inF ? 'forward' : 'input grad';
  return `GEMM layer ${index + 1} ${role} (${shape.slice(0, 2)})`;
}
