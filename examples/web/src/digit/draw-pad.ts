/** Stroke width as a fraction of the pad's side: about MNIST's stroke once the digit is scaled to 20 px. */
const STROKE = 0.065;

/** A square canvas to draw on with a mouse, pen or finger: white ink on black, like MNIST. */
export class DrawPad {
  private last: [number, number] | null = null;
  private readonly context: CanvasRenderingContext2D;

  constructor(readonly canvas: HTMLCanvasElement, private readonly onStroke: () => void) {
    this.context = canvas.getContext('2d', { willReadFrequently: true })!;
    this.clear();
    canvas.addEventListener('pointerdown', (event) => {
      canvas.setPointerCapture(event.pointerId);
      this.last = this.toCanvas(event);
      this.lineTo(this.last);
    });
    canvas.addEventListener('pointermove', (event) => {
      if (!this.last) return;
      this.lineTo(this.toCanvas(event));
    });
    const end = () => {
      if (this.last) this.onStroke();
      this.last = null;
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  clear(): void {
    this.context.fillStyle = '#000';
    this.context.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** The red channel: grey levels 0-255, row-major. */
  greyLevels(): Uint8Array {
    const { data, width, height } = this.context.getImageData(0, 0, this.canvas.width, this.canvas.height);
    const grey = new Uint8Array(width * height);
    for (let i = 0; i < grey.length; i++) grey[i] = data[4 * i]!;
    return grey;
  }

  private toCanvas(event: PointerEvent): [number, number] {
    const rect = this.canvas.getBoundingClientRect();
    return [
      ((event.clientX - rect.left) / rect.width) * this.canvas.width,
      ((event.clientY - rect.top) / rect.height) * this.canvas.height,
    ];
  }

  private lineTo(point: [number, number]): void {
    const context = this.context;
    context.strokeStyle = '#fff';
    context.lineWidth = STROKE * this.canvas.width;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.beginPath();
    context.moveTo(...this.last!);
    context.lineTo(...point);
    context.stroke();
    this.last = point;
  }
}
