import type { DisposableContender } from '../harness/interleave.js';
import type { Tf } from '../tfjs/load-tfjs.js';
import { BETAS, EPS, LR, MOMENTUM, type Update } from './updates.js';

/** tf.train.momentum / adam `applyGradients` on one variable of `params` floats, on the wasm backend. */
export function tfjsUpdate(name: string, tf: Tf, update: Update, params: number): DisposableContender {
  const variable = tf.variable(tf.randomUniform([params], -1, 1));
  const grad = tf.randomUniform([params], -1, 1);
  const optimizer = update.name === 'Adam'
    ? tf.train.adam(LR, BETAS[0], BETAS[1], EPS)
    : tf.train.momentum(LR, MOMENTUM, update.name === 'SGD Nesterov');
  const grads = [{ name: variable.name, tensor: grad }];
  return {
    name,
    run(reps) {
      for (let r = 0; r < reps; r++) optimizer.applyGradients(grads);
    },
    dispose() {
      optimizer.dispose();
      variable.dispose();
      grad.dispose();
    },
  };
}
