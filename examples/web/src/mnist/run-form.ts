import { type Model, MODELS, type RunConfig } from './protocol';

export const MAX_RUNS = 6;

export interface RunForm {
  model: HTMLSelectElement;
  momenta: HTMLInputElement;
  nesterov: HTMLInputElement;
  lr: HTMLInputElement;
  steps: HTMLInputElement;
  batchSize: HTMLInputElement;
  seed: HTMLInputElement;
}

/** Fills the form from the page's query string (?model=cnn&momenta=0,0.9&lr=0.05&steps=300&batch=128&seed=1&nesterov=1). */
export function fillFromQuery(form: RunForm, query: URLSearchParams): void {
  const fields: [keyof RunForm, string][] = [['model', 'model'], ['momenta', 'momenta'], ['lr', 'lr'], ['steps', 'steps'], ['batchSize', 'batch'], ['seed', 'seed']];
  for (const [field, name] of fields) {
    const value = query.get(name);
    if (value !== null) form[field].value = value;
  }
  if (query.has('nesterov')) form.nesterov.checked = query.get('nesterov') !== '0';
}

/** One config per momentum listed, or a message saying which field is wrong. */
export function readRunForm(form: RunForm): RunConfig[] | string {
  const model = form.model.value as Model;
  if (!MODELS.includes(model)) return `the network must be one of ${MODELS.join(', ')}`;
  const momenta = [...new Set(form.momenta.value.split(/[\s,]+/).filter(Boolean).map(Number))];
  if (momenta.length === 0) return 'list at least one momentum, e.g. 0, 0.9';
  if (momenta.length > MAX_RUNS) return `at most ${MAX_RUNS} momenta at once`;
  if (momenta.some((m) => !(m >= 0 && m < 1))) return 'every momentum must be in [0, 1)';
  const lr = Number(form.lr.value);
  const steps = Number(form.steps.value);
  const batchSize = Number(form.batchSize.value);
  const seed = Number(form.seed.value);
  if (!(lr > 0)) return 'the learning rate must be positive';
  if (!Number.isInteger(steps) || steps < 1) return 'steps must be a positive integer';
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1024) return 'the batch size must be an integer in [1, 1024]';
  if (!Number.isInteger(seed)) return 'the seed must be an integer';
  const evaluateEvery = Math.max(25, Math.round(steps / 10));
  // Nesterov needs momentum > 0: β = 0 is plain SGD either way.
  return momenta.map((momentum) => ({
    model, momentum, nesterov: form.nesterov.checked && momentum > 0, lr, steps, batchSize, seed, evaluateEvery,
  }));
}
