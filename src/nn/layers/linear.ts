import type { GemmArgs } from '../../engine/kernels.js';
import { initWeights, type Init } from '../init.js';
import { checkInteger, type LayerPlan, type Shape } from '../layer.js';

export interface LinearSpec {
  type: 'linear';
  inFeatures: number;
  outFeatures: number;
  /** 'he' (default): weight ~ N(0, 2/in), zero bias. 'pytorch': weight and bias ~ U(±1/√in), nn.Linear's default. */
  init: Init;
}

/** A fully connected layer: y = x·Wᵀ + b with weight [out, in] and bias [out], as PyTorch's nn.Linear. */
export function linear(inFeatures: number, outFeatures: number, options: { init?: Init } = {}): LinearSpec {
  const spec: LinearSpec = { type: 'linear', inFeatures, outFeatures, init: options.init ?? 'he' };
  checkLinear(spec, 'layer 0 (linear)');
  return spec;
}

export function checkLinear(spec: LinearSpec, where: string): void {
  checkInteger(where, 'inFeatures', spec.inFeatures, 1);
  checkInteger(where, 'outFeatures', spec.outFeatures, 1);
  if (spec.init !== 'he' && spec.init !== 'pytorch') {
    throw new RangeError(`${where}: init must be 'he' or 'pytorch', got ${JSON.stringify(spec.init)}`);
  }
}

/** y = x·Wᵀ + b by one GEMM (NT), with a following ReLU in its epilogue; backward: two GEMMs and a column sum. */
export function planLinear(spec: LinearSpec, input: Shape, where: string): LayerPlan {
  const { inFeatures: inF, outFeatures: outF } = spec;
  if (input.length !== 1 || input[0] !== inF) {
    throw new RangeError(`${where} takes ${inF} inputs, but the layers before it give ${input.length === 1 ? input[0] : `[${input.join(', ')}] (flatten() them first)`}`);
  }
  return {
    output: [outF],
    params: { weight: [outF, inF], bias: [outF] },
    init: (weight, bias, rng) => initWeights(spec.init, inF, weight, bias, rng),
    fusesRelu: true,
    build({ engine, input: x, maxBatch, alloc, weight, bias, fuseRelu }) {
      const k = engine.kernels;
      const work = engine.workspace;
      const [w, b] = [weight!, bias!];
      const out = alloc(maxBatch * outF * 4);
      const dOut = alloc(maxBatch * outF * 4);
      // The backward's two GEMMs, filled in on each call (rows n, beta, parameter pointers): a step allocates nothing.
      const weightGrad: GemmArgs = [1, 0, outF, inF, 0, 1, dOut, outF, x.out, inF, 1, 0, inF, 0, 0, work];
      const inputGrad: GemmArgs = [0, 0, 0, inF, outF, 1, dOut, outF, 0, inF, 0, x.dOut, inF, 0, 0, work];
      return {
        out,
        dOut,
        forward(n) {
          k.gemm(0, 1, n, outF, inF, 1, x.out, inF, w.dataPtr, inF, 0, out, outF, b.dataPtr, fuseRelu ? 1 : 0, work);
        },
        backward(n, overwrite) {
          // beta 0 writes the sum over the gradient; beta 1 adds it (a sum is never −0, so onto zeros both give the same bits).
          const beta = overwrite ? 0 : 1;
          if (x.dOut === 0) {
            k.gemm(1, 0, outF, inF, n, 1, dOut, outF, x.out, inF, beta, w.gradPtr, inF, 0, 0, work);
          } else {
            weightGrad[4] = n;
            weightGrad[10] = beta;
            weightGrad[11] = w.gradPtr;
            inputGrad[2] = n;
            inputGrad[8] = w.dataPtr;
            engine.gemmPair(weightGrad, inputGrad);
          }
          k.biasGrad(n, outF, dOut, b.gradPtr, beta);
        },
      };
    },
  };
}
