import { loadMnist } from '../../src/data/mnist-node.js';
import { loadTfjsWasm, tfjsWasmFlags } from '../tfjs/load-tfjs.js';
import { BATCH, HIDDEN, LR, MOMENTUM } from './protocol.js';
import type { Trainer } from './trainer.js';

/**
 * The same model and recipe in TensorFlow.js on its wasm backend, trained with `model.fit`. The whole
 * training set becomes tensors first, as a user's code would (that is most of its memory); the timed
 * runs fit on its first `steps` × 128 rows.
 */
export async function tfjsTrainer(): Promise<Trainer> {
  const tf = await loadTfjsWasm();
  if (!tf) return { available: false, note: 'TensorFlow.js not installed', run: () => Promise.reject(new Error('unavailable')), evaluate: () => null };
  const { train } = await loadMnist();
  const size = train.rows * train.cols;
  const pixels = new Float32Array(train.count * size);
  for (let i = 0; i < pixels.length; i++) pixels[i] = train.images[i]! / 255;
  const xs = tf.tensor2d(pixels, [train.count, size]);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(train.labels, 'int32'), 10).toFloat());
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [size], units: HIDDEN[0], activation: 'relu' }),
      tf.layers.dense({ units: HIDDEN[1], activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.momentum(LR, MOMENTUM), loss: 'categoricalCrossentropy' });
  const slices = new Map<number, [typeof xs, typeof ys]>();
  const flags = await tfjsWasmFlags(tf);

  return {
    available: true,
    note: `tfjs ${tf.version.tfjs}, wasm${flags.simd ? ' SIMD' : ''}${flags.threads ? ' threads' : ', one thread'}`,
    async run(steps) {
      const rows = Math.min(train.count, steps * BATCH);
      let slice = slices.get(rows);
      if (!slice) slices.set(rows, (slice = [xs.slice([0, 0], [rows, size]), ys.slice([0, 0], [rows, 10])]));
      const start = performance.now();
      const history = await model.fit(slice[0], slice[1], { batchSize: BATCH, epochs: 1, shuffle: true, verbose: 0 });
      const seconds = (performance.now() - start) / 1000;
      return { seconds, samples: rows, loss: Number(history.history.loss?.[0] ?? NaN) };
    },
    evaluate: () => null,
  };
}
