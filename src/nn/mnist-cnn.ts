import { conv2d, flatten, type LayerSpec, linear, maxPool2d, relu } from './layers.js';

/**
 * The default CNN for 28 × 28 MNIST digits, a LeNet-5 in today's form; in PyTorch:
 * nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
 *               nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
 *               nn.Flatten(), nn.Linear(1568, 128), nn.ReLU(), nn.Linear(128, 10)).
 * Build it with `sequential(engine, mnistCnn(), { inputShape: [1, 28, 28] })`.
 */
export function mnistCnn(): LayerSpec[] {
  return [
    conv2d(1, 16, 5, { padding: 2 }), relu(), maxPool2d(2),
    conv2d(16, 32, 5, { padding: 2 }), relu(), maxPool2d(2),
    flatten(), linear(32 * 7 * 7, 128), relu(), linear(128, 10),
  ];
}
