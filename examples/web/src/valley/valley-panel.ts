import type { Engine, Parameter } from 'heavyball';
import { ContourPlot } from './contour-plot';
import { SURFACES, type Surface } from './surfaces';
import { METHODS, trajectory, type Trajectory } from './trajectories';

export interface ValleyPanelElements {
  canvas: HTMLCanvasElement;
  surface: HTMLSelectElement;
  lr: HTMLInputElement;
  momentum: HTMLInputElement;
  steps: HTMLInputElement;
  lrValue: HTMLOutputElement;
  momentumValue: HTMLOutputElement;
  stepsValue: HTMLOutputElement;
  optimal: HTMLButtonElement;
  legend: HTMLElement;
}

/**
 * Gradient descent, momentum and Nesterov from one start point on a 2-D surface, redrawn as the sliders
 * move; clicking or dragging on the plot moves the start. The learning-rate slider is logarithmic.
 */
export class ValleyPanel {
  private readonly plot: ContourPlot;
  /** One 2-D parameter per method, allocated once; each redraw runs a fresh optimizer over it. */
  private readonly points: Parameter[];
  private surface: Surface = SURFACES.quadratic;
  private start: [number, number] = SURFACES.quadratic.start;
  trajectories: Trajectory[] = [];

  constructor(private readonly ui: ValleyPanelElements, engine: Engine) {
    this.plot = new ContourPlot(ui.canvas);
    this.points = METHODS.map(() => engine.parameter(2));
    ui.surface.addEventListener('change', () => this.setSurface(SURFACES[ui.surface.value as Surface['name']]));
    for (const slider of [ui.lr, ui.momentum, ui.steps]) slider.addEventListener('input', () => this.update());
    ui.optimal.addEventListener('click', () => {
      const optimal = this.surface.optimal!;
      this.setLr(optimal.lr);
      ui.momentum.value = String(optimal.momentum);
      this.update();
    });
    ui.canvas.addEventListener('pointerdown', (event) => this.moveStart(event));
    ui.canvas.addEventListener('pointermove', (event) => event.buttons === 1 && this.moveStart(event));
    this.setSurface(SURFACES[ui.surface.value as Surface['name']]);
    new ResizeObserver(() => this.plot.sizeChanged() && this.setSurface(this.surface, false)).observe(ui.canvas);
  }

  get lr(): number {
    return 10 ** Number(this.ui.lr.value);
  }

  setSurface(surface: Surface, reset = true): void {
    this.surface = surface;
    if (reset) {
      this.start = surface.start;
      const [low, high] = surface.lrRange;
      this.ui.lr.min = String(Math.log10(low));
      this.ui.lr.max = String(Math.log10(high));
      this.ui.lr.step = 'any';
      this.setLr(surface.defaults.lr);
      this.ui.momentum.value = String(surface.defaults.momentum);
      this.ui.steps.value = String(surface.defaults.steps);
    }
    this.ui.optimal.hidden = !surface.optimal;
    this.plot.setSurface(surface);
    this.update();
  }

  private setLr(lr: number): void {
    this.ui.lr.value = String(Math.log10(lr));
  }

  private moveStart(event: PointerEvent): void {
    this.start = this.plot.toSurface(event.offsetX, event.offsetY);
    this.update();
  }

  private update(): void {
    const lr = this.lr;
    const momentum = Number(this.ui.momentum.value);
    const steps = Number(this.ui.steps.value);
    this.ui.lrValue.value = lr.toPrecision(3);
    this.ui.momentumValue.value = momentum.toFixed(2);
    this.ui.stepsValue.value = String(steps);
    this.trajectories = METHODS.map(({ method }, i) =>
      trajectory(this.points[i]!, this.surface, method, { lr, momentum, steps, start: this.start }));
    this.plot.draw(this.trajectories.map((t, i) => ({ ...METHODS[i]!, points: t.points, dots: steps <= 150 })));
    this.renderLegend();
  }

  private renderLegend(): void {
    this.ui.legend.replaceChildren(...this.trajectories.map((t, i) => {
      const { label, colour } = METHODS[i]!;
      const item = document.createElement('li');
      item.dataset.method = t.method;
      item.dataset.final = String(t.final);
      item.dataset.diverged = String(t.divergedAt !== null);
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = colour;
      const result = t.divergedAt !== null ? `diverged at step ${t.divergedAt}` : `f = ${t.final.toExponential(2)}`;
      item.append(swatch, `${label}: ${result}`);
      return item;
    }));
  }
}
