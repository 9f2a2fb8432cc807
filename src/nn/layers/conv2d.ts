import { initWeights, type Init } from '../init.js';
import { checkImage, checkInteger, type LayerPlan, type Shape } from '../layer.js';

export interface Conv2dSpec {
  type: 'conv2d';
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  stride: number;
  padding: number;
  /** 'pytorch' (default): weight and bias ~ U(±1/√fanIn), nn.Conv2d's default. 'he': weight ~ N(0, 2/fanIn), zero bias. */
  init: Init;
}

export interface Conv2dOptions {
  stride?: number;
  padding?: number;
  init?: Init;
}

/**
 * A 2-D convolution over NCHW inputs, as PyTorch's nn.Conv2d(inChannels, outChannels, kernelSize, stride,
 * padding): weight [out, in, k, k], bias [out], zero padding; out = ⌊(in + 2·padding − k) / stride⌋ + 1.
 */
export function conv2d(inChannels: number, outChannels: number, kernelSize: number, options: Conv2dOptions = {}): Conv2dSpec {
  const { stride = 1, padding = 0, init = 'pytorch' } = options;
  const spec: Conv2dSpec = { type: 'conv2d', inChannels, outChannels, kernelSize, stride, padding, init };
  checkConv2d(spec, 'layer 0 (conv2d)');
  return spec;
}

export function checkConv2d(spec: Conv2dSpec, where: string): void {
  checkInteger(where, 'inChannels', spec.inChannels, 1);
  checkInteger(where, 'outChannels', spec.outChannels, 1);
  checkInteger(where, 'kernelSize', spec.kernelSize, 1);
  checkInteger(where, 'stride', spec.stride, 1);
  checkInteger(where, 'padding', spec.padding, 0);
  if (spec.init !== 'he' && spec.init !== 'pytorch') {
    throw new RangeError(`${where}: init must be 'he' or 'pytorch', got ${JSON.stringify(spec.init)}`);
  }
}

/**
 * Forward: one GEMM per image on patches packed straight from the input (through a zero-bordered copy of
 * the image when padded), bias and a following ReLU in
 * its epilogue. Backward: the weight gradient the same way, the bias gradient over channels, the input
 * gradient through one image's columns (`cols`, needed only when the input has a gradient).
 */
export function planConv2d(spec: Conv2dSpec, input: Shape, where: string): LayerPlan {
  const [inC, inH, inW] = checkImage(where, input);
  const { inChannels, outChannels: outC, kernelSize: kk, stride, padding: pad } = spec;
  if (inC !== inChannels) throw new RangeError(`${where} takes ${inChannels} input channels, but the layers before it give ${inC}`);
  if (inH + 2 * pad < kk || inW + 2 * pad < kk) {
    throw new RangeError(`${where}: its ${kk}×${kk} kernel is larger than its ${inH}×${inW} input padded by ${pad}`);
  }
  const outH = Math.floor((inH + 2 * pad - kk) / stride) + 1;
  const outW = Math.floor((inW + 2 * pad - kk) / stride) + 1;
  const fanIn = inC * kk * kk;
  const outSize = outC * outH * outW;
  return {
    output: [outC, outH, outW],
    params: { weight: [outC, inC, kk, kk], bias: [outC] },
    init: (weight, bias, rng) => initWeights(spec.init, fanIn, weight, bias, rng),
    fusesRelu: true,
    build({ engine, input: x, maxBatch, alloc, weight, bias, fuseRelu }) {
      const k = engine.kernels;
      const work = engine.workspace;
      const [w, b] = [weight!, bias!];
      const out = alloc(maxBatch * outSize * 4);
      const dOut = alloc(maxBatch * outSize * 4);
      // Per thread (threads split the conv kernels by images): one image's columns, one zero-bordered copy of an image.
      const colsBytes = k.convInputGradScratchBytes(inC, inH, inW, kk, kk, stride, pad);
      const cols = x.dOut !== 0 ? alloc(engine.threads * colsBytes) : 0;
      const padded = pad > 0 ? alloc(engine.threads * inC * (inH + 2 * pad) * (inW + 2 * pad) * 4) : 0;
      const geometry = [inC, inH, inW, outC, kk, kk, stride, pad] as const;
      return {
        out,
        dOut,
        forward(n) {
          k.convForward(n, ...geometry, x.out, w.dataPtr, b.dataPtr, out, fuseRelu ? 1 : 0, work, padded);
        },
        backward(n, overwrite) {
          // convWeightGrad only adds: a gradient due to be zeroed is zeroed here (it is small).
          if (overwrite) w.grad.fill(0);
          k.convWeightGrad(n, ...geometry, x.out, dOut, w.gradPtr, work, padded);
          k.convBiasGrad(n, outC, outH * outW, dOut, b.gradPtr, overwrite ? 0 : 1);
          if (x.dOut !== 0) k.convInputGrad(n, ...geometry, dOut, w.dataPtr, x.dOut, work, cols);
        },
      };
    },
  };
}
