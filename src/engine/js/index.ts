import type { Heap, Kernels } from '../kernels.js';
import * as conv from './conv.js';
import * as gemm from './gemm.js';
import * as nn from './nn.js';
import * as optim from './optim.js';

type Bound<F> = F extends (h: Heap, ...args: infer A) => infer R ? (...args: A) => R : never;

function bind<F extends (h: Heap, ...args: never[]) => unknown>(heap: Heap, f: F): Bound<F> {
  return ((...args: never[]) => f(heap, ...args)) as Bound<F>;
}

/** The plain-TypeScript backend: the same kernels over `heap`, whose views the engine refreshes. */
export function createJsKernels(heap: Heap): Kernels {
  return {
    gemmWorkspaceBytes: gemm.gemmWorkspaceBytes,
    gemm: bind(heap, gemm.gemm),
    sgdStep: bind(heap, optim.sgdStep),
    adamStep: bind(heap, optim.adamStep),
    rmspropStep: bind(heap, optim.rmspropStep),
    reluForward: bind(heap, nn.reluForward),
    reluBackward: bind(heap, nn.reluBackward),
    tanhForward: bind(heap, nn.tanhForward),
    tanhBackward: bind(heap, nn.tanhBackward),
    sigmoidForward: bind(heap, nn.sigmoidForward),
    sigmoidBackward: bind(heap, nn.sigmoidBackward),
    mul: bind(heap, nn.mul),
    biasGrad: bind(heap, nn.biasGrad),
    softmaxCrossEntropy: bind(heap, nn.softmaxCrossEntropy),
    mseLoss: bind(heap, nn.mseLoss),
    accuracyCount: bind(heap, nn.accuracyCount),
    argmaxRows: bind(heap, nn.argmaxRows),
    normalizeU8: bind(heap, nn.normalizeU8),
    convForward: bind(heap, conv.convForward),
    convInputGrad: bind(heap, conv.convInputGrad),
    convWeightGrad: bind(heap, conv.convWeightGrad),
    convBiasGrad: bind(heap, conv.convBiasGrad),
    maxPoolForward: bind(heap, conv.maxPoolForward),
    maxPoolBackward: bind(heap, conv.maxPoolBackward),
    copyBytes: (dst, src, n) => heap.u8.copyWithin(dst, src, src + n),
  };
}
