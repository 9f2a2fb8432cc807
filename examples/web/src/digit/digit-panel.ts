import { runColour } from '../mnist/run-colours';
import type { TrainingRun } from '../mnist/training-run';
import { DrawPad } from './draw-pad';
import { MNIST_SIZE, toMnistDigit } from './mnist-preprocess';

export interface DigitPanelElements {
  pad: HTMLCanvasElement;
  preview: HTMLCanvasElement;
  clear: HTMLButtonElement;
  predictions: HTMLElement;
}

/** Predictions of one run for the digit drawn: its class probabilities, null before it has a model. */
export interface DigitPrediction {
  label: string;
  /** Its run's colour (its momentum's). */
  colour: string;
  probabilities: Float32Array | null;
}

/**
 * Draw a digit; after each stroke it is prepared as MNIST's digits were (shown at 28×28) and every run's
 * model, in its worker, says what it sees.
 */
export class DigitPanel {
  private readonly pad: DrawPad;
  private digit: Uint8Array | null = null;
  private asked = 0;
  predictions: DigitPrediction[] = [];

  constructor(private readonly ui: DigitPanelElements, private readonly runs: () => readonly TrainingRun[]) {
    this.pad = new DrawPad(ui.pad, () => this.changed());
    ui.clear.addEventListener('click', () => {
      this.pad.clear();
      this.changed();
    });
    this.changed();
  }

  /** Asks the runs again (e.g. when training has moved on). */
  async predict(): Promise<void> {
    const asked = ++this.asked;
    const digit = this.digit;
    const runs = this.runs();
    const predictions = digit === null ? [] : await Promise.all(runs.map(async (run) => ({
      label: run.state.label,
      colour: runColour(run.state),
      probabilities: await run.predict(digit),
    })));
    if (asked !== this.asked) return;
    this.predictions = predictions;
    this.render(runs.length);
  }

  private changed(): void {
    this.digit = toMnistDigit(this.pad.greyLevels(), this.ui.pad.width, this.ui.pad.height);
    drawPreview(this.ui.preview, this.digit);
    void this.predict();
  }

  private render(runCount: number): void {
    const list = this.ui.predictions;
    if (this.digit === null) {
      list.replaceChildren(note('Draw a digit from 0 to 9 in the black square.'));
    } else if (runCount === 0) {
      list.replaceChildren(note('Train a model above first.'));
    } else {
      list.replaceChildren(...this.predictions.map((p) => predictionRow(p, p.colour)));
    }
  }
}

function note(text: string): HTMLElement {
  const p = document.createElement('p');
  p.className = 'note';
  p.textContent = text;
  return p;
}

/** One run: the digit it picks, then a bar per class. */
function predictionRow({ label, probabilities }: DigitPrediction, colour: string): HTMLElement {
  const row = document.createElement('div');
  row.className = 'prediction';
  const name = document.createElement('span');
  name.className = 'run';
  name.style.borderLeftColor = colour;
  name.textContent = label;
  const guess = document.createElement('span');
  guess.className = 'guess';
  const bars = document.createElement('span');
  bars.className = 'bars';
  if (probabilities) {
    const best = probabilities.indexOf(Math.max(...probabilities));
    guess.textContent = String(best);
    guess.title = `${(probabilities[best]! * 100).toFixed(1)} %`;
    row.dataset.digit = String(best);
    probabilities.forEach((p, digit) => {
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.title = `${digit}: ${(p * 100).toFixed(1)} %`;
      bar.style.setProperty('--p', String(p));
      bar.style.background = digit === best ? colour : '';
      bar.dataset.digit = String(digit);
      bars.append(bar);
    });
  } else {
    guess.textContent = '…';
  }
  row.append(name, guess, bars);
  return row;
}

function drawPreview(canvas: HTMLCanvasElement, digit: Uint8Array | null): void {
  canvas.width = MNIST_SIZE;
  canvas.height = MNIST_SIZE;
  const context = canvas.getContext('2d')!;
  const image = context.createImageData(MNIST_SIZE, MNIST_SIZE);
  for (let i = 0; i < MNIST_SIZE * MNIST_SIZE; i++) {
    const v = digit?.[i] ?? 0;
    image.data.set([v, v, v, 255], 4 * i);
  }
  context.putImageData(image, 0, 0);
}
