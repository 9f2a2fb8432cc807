// The network a run trains: an MLP of the run's layer widths, or the default CNN for MNIST.
import type { Dataset } from '../data/dataset.js';
import { describeLayer, type LayerSpec, linear, relu } from '../nn/layers.js';
import { mnistCnn } from '../nn/mnist-cnn.js';
import type { RunConfig } from './types.js';

export const MODELS = ['mlp', 'cnn'] as const;
export type ModelName = (typeof MODELS)[number];

/** The image size `mnistCnn()` is built for (its first linear layer takes 32 × 7 × 7 features). */
const CNN_IMAGE = { rows: 28, cols: 28 };

/** 784-256-128-10 → linear(784, 256), relu(), linear(256, 128), relu(), linear(128, 10). */
export function mlp(widths: readonly number[]): LayerSpec[] {
  return widths.slice(1).flatMap((out, i) => {
    const layer = linear(widths[i]!, out);
    return i < widths.length - 2 ? [layer, relu()] : [layer];
  });
}

/** The layers of a run's network: `mnistCnn()` for the CNN, the MLP of `layers` otherwise. */
export function networkLayers(config: Pick<RunConfig, 'model' | 'layers'>): LayerSpec[] {
  if (config.model === 'cnn') return mnistCnn();
  if (config.layers === undefined) throw new RangeError("an 'mlp' run needs its layer widths (layers)");
  return mlp(config.layers);
}

/** How many classes the network tells apart. */
export function classCount(config: Pick<RunConfig, 'model' | 'layers'>): number {
  return config.model === 'cnn' ? 10 : config.layers!.at(-1)!;
}

/** Throws a RangeError unless the network takes images of the dataset's size, before anything trains. */
export function checkNetworkFits(config: Pick<RunConfig, 'model' | 'layers'>, images: Pick<Dataset, 'rows' | 'cols'>): void {
  const { rows, cols } = images;
  if (config.model === 'cnn') {
    if (rows !== CNN_IMAGE.rows || cols !== CNN_IMAGE.cols) {
      throw new RangeError(`model 'cnn' (mnistCnn) takes ${CNN_IMAGE.rows} × ${CNN_IMAGE.cols} images, the data's are ${rows} × ${cols}`);
    }
  } else if (config.layers?.[0] !== rows * cols) {
    throw new RangeError(`layers must start with the image size ${rows} × ${cols} = ${rows * cols}, got ${config.layers?.[0]}`);
  }
}

/** The network in a few words, for sentences: "784-256-128-10 network", "CNN (mnistCnn)". */
export function networkName(config: Pick<RunConfig, 'model' | 'layers'>): string {
  return config.model === 'cnn' ? 'CNN (mnistCnn)' : `${config.layers!.join('-')} network`;
}

/** The network in full, for a report's configuration: the MLP's widths, or the CNN's layers. */
export function networkDescription(config: Pick<RunConfig, 'model' | 'layers'>): string {
  if (config.model === 'cnn') return `CNN, mnistCnn(): ${mnistCnn().map(describeLayer).join(', ')}`;
  return `${config.layers!.join('-')} (ReLU between layers)`;
}
