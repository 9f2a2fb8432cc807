import type { Surface } from './surfaces';

/** Filled contours: log₁₀ f in bands of half a decade, over the highest DECADES decades on the plot. */
const BANDS_PER_DECADE = 2;
const DECADES = 6;
const BANDS = BANDS_PER_DECADE * DECADES;
const LOW: readonly number[] = [252, 252, 253];
const HIGH: readonly number[] = [150, 186, 220];

export interface Path {
  points: readonly number[];
  colour: string;
  /** Dots at the iterates, when there are few enough to see them. */
  dots: boolean;
  /** Canvas line dash in CSS pixels (solid when absent). */
  dash?: readonly number[];
}

/**
 * A surface as filled log-spaced contour bands with lines between them, and optimizer paths drawn over it,
 * on a canvas whose pixel size is its CSS size × devicePixelRatio.
 */
export class ContourPlot {
  private background?: ImageData;
  private surface?: Surface;

  constructor(readonly canvas: HTMLCanvasElement) {}

  /** Whether the canvas's CSS size × devicePixelRatio is no longer its pixel size. */
  sizeChanged(): boolean {
    const { width, height } = this.pixelSize();
    return width !== this.canvas.width || height !== this.canvas.height;
  }

  setSurface(surface: Surface): void {
    const { width, height } = this.pixelSize();
    this.canvas.width = width;
    this.canvas.height = height;
    this.surface = surface;
    this.background = contourImage(surface, this.canvas.width, this.canvas.height);
  }

  private pixelSize(): { width: number; height: number } {
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = this.canvas.getBoundingClientRect();
    return { width: Math.max(1, Math.round(width * ratio)), height: Math.max(1, Math.round(height * ratio)) };
  }

  /** The surface's coordinates of a point on the canvas given in CSS pixels from its top left corner. */
  toSurface(cssX: number, cssY: number): [number, number] {
    const { width, height } = this.canvas.getBoundingClientRect();
    const { x, y } = this.surface!.view;
    return [x[0] + (cssX / width) * (x[1] - x[0]), y[1] - (cssY / height) * (y[1] - y[0])];
  }

  draw(paths: readonly Path[]): void {
    const context = this.canvas.getContext('2d')!;
    const { x, y } = this.surface!.view;
    const { width, height } = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const px = (u: number) => ((u - x[0]) / (x[1] - x[0])) * width;
    const py = (v: number) => ((y[1] - v) / (y[1] - y[0])) * height;
    context.putImageData(this.background!, 0, 0);

    const [mx, my] = this.surface!.minimum;
    context.fillStyle = '#000';
    star(context, px(mx), py(my), 7 * ratio);

    // The first path is drawn last, on top.
    for (const { points, colour, dots, dash = [] } of [...paths].reverse()) {
      context.setLineDash(dash.map((d) => d * ratio));
      context.strokeStyle = colour;
      context.fillStyle = colour;
      context.lineWidth = 2 * ratio;
      context.lineJoin = 'round';
      context.beginPath();
      for (let i = 0; i < points.length; i += 2) context.lineTo(px(points[i]!), py(points[i + 1]!));
      context.stroke();
      context.setLineDash([]);
      if (dots) {
        for (let i = 2; i < points.length; i += 2) {
          context.beginPath();
          context.arc(px(points[i]!), py(points[i + 1]!), 2 * ratio, 0, 2 * Math.PI);
          context.fill();
        }
      }
    }
    const start = paths[0]?.points;
    if (start) {
      context.fillStyle = '#fff';
      context.strokeStyle = '#000';
      context.lineWidth = 1.5 * ratio;
      context.beginPath();
      context.arc(px(start[0]!), py(start[1]!), 5 * ratio, 0, 2 * Math.PI);
      context.fill();
      context.stroke();
    }
  }
}

/** Each pixel coloured by the band of log₁₀ f at its centre; a pixel whose right or lower neighbour is in another band is a contour line. */
function contourImage(surface: Surface, width: number, height: number): ImageData {
  const { x, y } = surface.view;
  const levels = new Float64Array(width * height);
  let high = -Infinity;
  for (let j = 0; j < height; j++) {
    const v = y[1] - ((j + 0.5) / height) * (y[1] - y[0]);
    for (let i = 0; i < width; i++) {
      const u = x[0] + ((i + 0.5) / width) * (x[1] - x[0]);
      const level = Math.log10(surface.f(u, v));
      levels[j * width + i] = level;
      high = Math.max(high, level);
    }
  }
  const top = Math.ceil(high * BANDS_PER_DECADE);
  const band = (k: number) => Math.max(0, BANDS - (top - Math.floor(levels[k]! * BANDS_PER_DECADE)));
  const image = new ImageData(width, height);
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const k = j * width + i;
      const b = band(k);
      const edge = (i + 1 < width && band(k + 1) !== b) || (j + 1 < height && band(k + width) !== b);
      const t = b / BANDS;
      for (let c = 0; c < 3; c++) {
        const shade = LOW[c]! + t * (HIGH[c]! - LOW[c]!);
        image.data[4 * k + c] = edge ? shade * 0.82 : shade;
      }
      image.data[4 * k + 3] = 255;
    }
  }
  return image;
}

function star(context: CanvasRenderingContext2D, cx: number, cy: number, r: number): void {
  context.beginPath();
  for (let i = 0; i < 10; i++) {
    const radius = i % 2 === 0 ? r : r * 0.45;
    const angle = -Math.PI / 2 + (i * Math.PI) / 5;
    context.lineTo(cx + radius * Math.cos(angle), cy + radius * Math.sin(angle));
  }
  context.closePath();
  context.fill();
}
