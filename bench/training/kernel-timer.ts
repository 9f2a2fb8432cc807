import { type Kernels, kernelNames } from '../../src/engine/kernels.js';

/** Linear layers as [inFeatures, outFeatures], to name each GEMM call by its layer and role. */
export type LayerDims = readonly (readonly [number, number])[];

/** Accumulated milliseconds per class of kernel call. */
export interface KernelTimer {
  kernels: Kernels;
  totals: Map<string, number>;
  reset(): void;
}

const kernelClass: Partial<Record<keyof Kernels, string>> = {
  softmaxCrossEntropy: 'loss: softmax cross-entropy (fwd + bwd)',
  sgdStep: 'update: SGD momentum',
  adamStep: 'update: Adam',
  normalizeU8: 'batch preparation: u8 → f32 (kernel)',
  biasGrad: 'bias gradients',
  reluForward: 'ReLU forward',
  reluBackward: 'ReLU backward',
  accuracyCount: 'accuracy count',
};

/**
 * `kernels` with every call timed (performance.now around it) into `totals`, by class: GEMM by layer
 * and role, then the kernel's purpose. The overhead is two clock reads per call, ~20 calls per step.
 */
export function timeKernels(kernels: Kernels, layers: LayerDims): KernelTimer {
  const totals = new Map<string, number>();
  const add = (name: string, ms: number) => totals.set(name, (totals.get(name) ?? 0) + ms);
  const gemmNames = new Map<string, string>();
  const timed = {} as Record<string, unknown>;
  for (const name of kernelNames) {
    const kernel = kernels[name] as (...args: number[]) => number;
    if (name === 'gemm') {
      timed[name] = (...args: number[]) => {
        const start = performance.now();
        const result = kernel(...args);
        const key = args.slice(0, 5).join(',');
        let label = gemmNames.get(key);
        if (label === undefined) gemmNames.set(key, (label = gemmLabel(args, layers)));
        add(label, performance.now() - start);
        return result;
      };
    } else {
      const label = kernelClass[name] ?? name;
      timed[name] = (...args: number[]) => {
        const start = performance.now();
        const result = kernel(...args);
        add(label, performance.now() - start);
        return result;
      };
    }
  }
  return { kernels: timed as unknown as Kernels, totals, reset: () => totals.clear() };
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
