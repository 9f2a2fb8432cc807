import { createEngine } from 'heavyball';
import { DigitPanel } from './digit/digit-panel';
import { MnistPanel } from './mnist/mnist-panel';
import { ValleyPanel } from './valley/valley-panel';
import './style.css';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const query = new URLSearchParams(location.search);

const mnist = new MnistPanel({
  form: {
    model: byId('model'),
    momenta: byId('momenta'),
    nesterov: byId('nesterov'),
    lr: byId('lr'),
    steps: byId('steps'),
    batchSize: byId('batch'),
    seed: byId('seed'),
  },
  train: byId('train'),
  stop: byId('stop'),
  message: byId('mnist-message'),
  lossChart: byId('loss-chart'),
  accuracyChart: byId('accuracy-chart'),
  results: byId('results'),
}, new URL('mnist/', document.baseURI).href, query);

const valley = new ValleyPanel({
  canvas: byId('valley-plot'),
  surface: byId('surface'),
  lr: byId('valley-lr'),
  momentum: byId('valley-momentum'),
  steps: byId('valley-steps'),
  lrValue: byId('valley-lr-value'),
  momentumValue: byId('valley-momentum-value'),
  stepsValue: byId('valley-steps-value'),
  optimal: byId('valley-optimal'),
  legend: byId('valley-legend'),
}, await createEngine({ threads: 1 }));

const digit = new DigitPanel({
  pad: byId('digit-pad'),
  preview: byId('digit-preview'),
  clear: byId('digit-clear'),
  predictions: byId('digit-predictions'),
}, () => mnist.runs);
mnist.onEvaluation = () => void digit.predict();

/** The page's state, for scripts and the browser tests. */
Object.assign(globalThis, {
  heavyballDemo: {
    get runs() { return mnist.states; },
    get trajectories() { return valley.trajectories; },
    get predictions() { return digit.predictions; },
    ready: true,
  },
});
