import { checkImage, checkInteger, type LayerPlan, type Shape } from '../layer.js';

export interface MaxPool2dSpec {
  type: 'maxPool2d';
  kernelSize: number;
  stride: number;
}

/** The maximum of each k×k window, windows `stride` apart (default k), no padding: PyTorch's nn.MaxPool2d(k, stride). */
export function maxPool2d(kernelSize: number, stride = kernelSize): MaxPool2dSpec {
  const spec: MaxPool2dSpec = { type: 'maxPool2d', kernelSize, stride };
  checkMaxPool2d(spec, 'layer 0 (maxPool2d)');
  return spec;
}

export function checkMaxPool2d(spec: MaxPool2dSpec, where: string): void {
  checkInteger(where, 'kernelSize', spec.kernelSize, 1);
  checkInteger(where, 'stride', spec.stride, 1);
}

/** Forward keeps each window's argmax; backward routes the gradient there. */
export function planMaxPool2d(spec: MaxPool2dSpec, input: Shape, where: string): LayerPlan {
  const [c, inH, inW] = checkImage(where, input);
  const { kernelSize: kk, stride } = spec;
  if (inH < kk || inW < kk) throw new RangeError(`${where}: its ${kk}×${kk} window is larger than its ${inH}×${inW} input`);
  const outH = Math.floor((inH - kk) / stride) + 1;
  const outW = Math.floor((inW - kk) / stride) + 1;
  const outSize = c * outH * outW;
  return {
    output: [c, outH, outW],
    build({ engine, input: x, maxBatch, alloc }) {
      const k = engine.kernels;
      const out = alloc(maxBatch * outSize * 4);
      const dOut = alloc(maxBatch * outSize * 4);
      const argmax = alloc(maxBatch * outSize * 4);
      return {
        out,
        dOut,
        forward(n) {
          k.maxPoolForward(n * c, inH, inW, kk, stride, x.out, out, argmax);
        },
        backward(n) {
          if (x.dOut !== 0) k.maxPoolBackward(n * c, inH, inW, kk, stride, dOut, argmax, x.dOut);
        },
      };
    },
  };
}
