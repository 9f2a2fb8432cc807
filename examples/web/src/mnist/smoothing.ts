/** TensorBoard's smoothing: an exponential moving average, debiased so it starts at the first value. */
export class Smoother {
  private average = 0;
  private weight = 0;

  constructor(private readonly factor = 0.9) {}

  next(value: number): number {
    this.average = this.factor * this.average + (1 - this.factor) * value;
    this.weight = this.factor * this.weight + (1 - this.factor);
    return this.average / this.weight;
  }
}
