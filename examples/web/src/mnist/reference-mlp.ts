import { linear, relu, type LayerSpec } from 'heavyball';

/** The reference MLP of heavyball's experiments: 784-256-128-10 with ReLU. */
export const REFERENCE_MLP: readonly LayerSpec[] = [linear(784, 256), relu(), linear(256, 128), relu(), linear(128, 10)];
