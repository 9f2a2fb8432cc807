/** The spatial size of a convolution or pooling output along one axis: ⌊(size + 2·pad − kernel) / stride⌋ + 1. */
export function convOutputSize(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}
