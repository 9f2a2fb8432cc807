/**
 * Layer descriptions: plain, JSON-serialisable data (`model.layers` returns them, checkpoints store
 * them). `sequential` turns a list of them into kernel calls on a static memory plan.
 */
export type Init = 'he' | 'pytorch';

export interface LinearSpec {
  type: 'linear';
  inFeatures: number;
  outFeatures: number;
  /** 'he' (default): weight ~ N(0, 2/in), zero bias. 'pytorch': weight and bias ~ U(±1/√in), nn.Linear's default. */
  init: Init;
}
export interface ActivationSpec {
  type: 'relu' | 'tanh' | 'sigmoid';
}
export interface DropoutSpec {
  type: 'dropout';
  p: number;
}
export type LayerSpec = LinearSpec | ActivationSpec | DropoutSpec;

/** A fully connected layer: y = x·Wᵀ + b with weight [out, in] and bias [out], as PyTorch's nn.Linear. */
export function linear(inFeatures: number, outFeatures: number, options: { init?: Init } = {}): LinearSpec {
  const spec: LinearSpec = { type: 'linear', inFeatures, outFeatures, init: options.init ?? 'he' };
  checkLayer(spec, 0);
  return spec;
}

export const relu = (): ActivationSpec => ({ type: 'relu' });
export const tanh = (): ActivationSpec => ({ type: 'tanh' });
export const sigmoid = (): ActivationSpec => ({ type: 'sigmoid' });

/** Zeroes each value with probability p in training mode and scales the rest by 1/(1 − p); identity in eval mode. */
export function dropout(p = 0.5): DropoutSpec {
  const spec: DropoutSpec = { type: 'dropout', p };
  checkLayer(spec, 0);
  return spec;
}

/** Throws a TypeError/RangeError naming layer `index` unless `spec` is a valid layer description. */
export function checkLayer(spec: LayerSpec, index: number): void {
  const where = `layer ${index} (${spec?.type})`;
  switch (spec?.type) {
    case 'linear':
      for (const key of ['inFeatures', 'outFeatures'] as const) {
        if (!Number.isSafeInteger(spec[key]) || spec[key] < 1) {
          throw new RangeError(`${where}: ${key} must be a positive integer, got ${spec[key]}`);
        }
      }
      if (spec.init !== 'he' && spec.init !== 'pytorch') {
        throw new RangeError(`${where}: init must be 'he' or 'pytorch', got ${JSON.stringify(spec.init)}`);
      }
      return;
    case 'dropout':
      if (!(spec.p >= 0 && spec.p < 1)) throw new RangeError(`${where}: p must be in [0, 1), got ${spec.p}`);
      return;
    case 'relu':
    case 'tanh':
    case 'sigmoid':
      return;
    default:
      throw new TypeError(`layer ${index} is not a layer description (linear, relu, tanh, sigmoid, dropout): ${JSON.stringify(spec)}`);
  }
}
