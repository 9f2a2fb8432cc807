// A Web Worker that trains one run on MNIST, so the page stays responsive, and then answers predictions.
import {
  createEngine, datasetFromIdx, evaluate, fit, MNIST_FILES, mnistCnn, parseIdxAsync, SGD, sequential, type Sequential,
} from 'heavyball';
import type { MnistBytes } from './mnist-download';
import type { Evaluation, FromWorker, RunConfig, ToWorker } from './protocol';
import { REFERENCE_MLP } from './reference-mlp';

/** How often losses are posted to the page. */
const POST_EVERY_MS = 100;

let model: Sequential | undefined;
/** Aborted by the page's stop button or once the run has taken its steps. */
const stopper = new AbortController();

function post(message: FromWorker, transfer: Transferable[] = []): void {
  (self as unknown as Worker).postMessage(message, transfer);
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === 'train') {
    train(message.config, message.mnist).catch((error: unknown) => {
      post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    });
  } else if (message.type === 'stop') {
    stopper.abort();
  } else if (message.type === 'predict') {
    const probabilities = model ? predict(model, message.pixels) : null;
    post({ type: 'prediction', id: message.id, probabilities }, probabilities ? [probabilities.buffer] : []);
  }
};

/** The training and test sets from the page's bytes (gzipped IDX files). */
async function datasets(mnist: MnistBytes) {
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    [mnist.trainImages, mnist.trainLabels, mnist.testImages, mnist.testLabels].map((bytes) => parseIdxAsync(bytes)));
  return {
    train: datasetFromIdx(trainImages!, trainLabels!, { images: MNIST_FILES.trainImages, labels: MNIST_FILES.trainLabels }),
    test: datasetFromIdx(testImages!, testLabels!, { images: MNIST_FILES.testImages, labels: MNIST_FILES.testLabels }),
  };
}

async function train(config: RunConfig, mnist: MnistBytes): Promise<void> {
  const loadStarted = performance.now();
  const { train: trainSet, test } = await datasets(mnist);
  post({ type: 'loaded', trainCount: trainSet.count, testCount: test.count, seconds: (performance.now() - loadStarted) / 1000 });

  const started = performance.now();
  const engine = await createEngine({ threads: config.threads });
  const layers = config.model === 'cnn' ? mnistCnn() : REFERENCE_MLP;
  // The images' rows × cols: [784] into the MLP, [1, 28, 28] into the CNN.
  const net = sequential(engine, layers, { seed: config.seed, maxBatch: config.batchSize, inputShape: trainSet });
  model = net;
  const optimizer = new SGD(net.parameters(), { lr: config.lr, momentum: config.momentum, nesterov: config.nesterov });
  const stepsPerEpoch = Math.ceil(trainSet.count / config.batchSize);

  let pending: number[] = [];
  let pendingStart = 0;
  let lastPost = performance.now();
  let stepsDone = 0;
  let evaluationDue = config.evaluateEvery;
  let finished = false;
  const flush = () => {
    if (pending.length === 0) return;
    post({ type: 'losses', start: pendingStart, losses: Float64Array.from(pending) });
    pendingStart += pending.length;
    pending = [];
    lastPost = performance.now();
  };
  const measure = (): Evaluation => ({ step: stepsDone, ...evaluate(net, test) });

  const history = await fit(net, optimizer, trainSet, {
    epochs: Math.ceil(config.steps / stepsPerEpoch),
    batchSize: config.batchSize,
    seed: config.seed,
    signal: stopper.signal,
    onStep({ step, loss }) {
      pending.push(loss);
      // fit calls onStep before the update: this step counts as done once fit pauses next.
      stepsDone = step + 1;
      if (stepsDone >= config.steps) stopper.abort();
      if (performance.now() - lastPost > POST_EVERY_MS) flush();
      if (stepsDone >= evaluationDue && stepsDone < config.steps) {
        evaluationDue = Infinity;
        // Timers run only while fit pauses between steps, when the model is free to use.
        setTimeout(() => {
          if (finished) return;
          post({ type: 'evaluation', evaluation: measure() });
          evaluationDue = stepsDone + config.evaluateEvery;
        });
      }
    },
  });
  finished = true;
  flush();
  post({
    type: 'done',
    steps: history.steps.length,
    diverged: history.diverged,
    final: measure(),
    seconds: (performance.now() - started) / 1000,
  });
}

/** The class probabilities (softmax of the outputs) of one 28×28 image, in eval mode. */
function predict(net: Sequential, pixels: Uint8Array): Float32Array {
  const wasTraining = net.training;
  try {
    const logits = net.eval().forward(Float32Array.from(pixels, (v) => v / 255), 1);
    const max = Math.max(...logits);
    const exps = logits.map((z) => Math.exp(z - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / sum);
  } finally {
    net.train(wasTraining);
  }
}
