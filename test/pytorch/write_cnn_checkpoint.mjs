// Writes a heavyball checkpoint of the default MNIST CNN's layers at a quarter of their widths (seed 1)
// to the path given, for cnn_reference.py. Uses the built library (dist/): run `npm run build` first.
import { conv2d, createEngine, flatten, linear, maxPool2d, relu, saveCheckpointFile, sequential } from '../../dist/index.js';

const smallMnistCnn = () => [
  conv2d(1, 4, 5, { padding: 2 }), relu(), maxPool2d(2), conv2d(4, 8, 5, { padding: 2 }), relu(), maxPool2d(2),
  flatten(), linear(392, 32, { init: 'pytorch' }), relu(), linear(32, 10, { init: 'pytorch' }),
];

const engine = await createEngine({ backend: 'js' });
const model = sequential(engine, smallMnistCnn(), { seed: 1, maxBatch: 8, inputShape: [1, 28, 28] });
await saveCheckpointFile(process.argv[2], { model });
