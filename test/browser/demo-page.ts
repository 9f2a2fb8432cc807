import type { Page } from 'playwright-core';
import type { DigitPrediction } from '../../examples/web/src/digit/digit-panel.js';
import type { RunState } from '../../examples/web/src/mnist/training-run.js';
import type { Trajectory } from '../../examples/web/src/valley/trajectories.js';

/** What the demo page exposes as globalThis.heavyballDemo. */
export interface DemoState {
  ready: boolean;
  runs: RunState[];
  trajectories: Trajectory[];
  predictions: DigitPrediction[];
}

/** A run as read from the page, each loss also as its 64 bits in hex (computed in the page). */
export interface PageRun extends RunState {
  lossBits: string[];
}

export async function waitForDemo(page: Page): Promise<void> {
  await page.waitForFunction(() => (globalThis as unknown as { heavyballDemo?: DemoState }).heavyballDemo?.ready === true);
}

export async function waitForRunsToFinish(page: Page, timeout: number): Promise<void> {
  await page.waitForFunction(() => {
    const { runs } = (globalThis as unknown as { heavyballDemo: DemoState }).heavyballDemo;
    return runs.length > 0 && runs.every((run) => run.status === 'done' || run.status === 'stopped' || run.status === 'failed');
  }, undefined, { timeout, polling: 250 });
}

export function readRuns(page: Page): Promise<PageRun[]> {
  return page.evaluate(() => {
    const view = new DataView(new ArrayBuffer(8));
    const bits = (x: number) => {
      view.setFloat64(0, x);
      return view.getBigUint64(0).toString(16).padStart(16, '0');
    };
    const { runs } = (globalThis as unknown as { heavyballDemo: DemoState }).heavyballDemo;
    return runs.map((run) => ({ ...run, lossBits: run.losses.map(bits) }));
  });
}

export function readTrajectories(page: Page): Promise<Trajectory[]> {
  return page.evaluate(() => (globalThis as unknown as { heavyballDemo: DemoState }).heavyballDemo.trajectories);
}

/** Each run's class probabilities for the digit drawn (plain arrays), once every run has answered. */
export async function readPredictions(page: Page, runs: number): Promise<number[][]> {
  await page.waitForFunction((n) => {
    const { predictions } = (globalThis as unknown as { heavyballDemo: DemoState }).heavyballDemo;
    return predictions.length === n && predictions.every((p) => p.probabilities !== null);
  }, runs);
  return page.evaluate(() => (globalThis as unknown as { heavyballDemo: DemoState }).heavyballDemo.predictions
    .map((p) => Array.from(p.probabilities!)));
}

/** Draws strokes on the digit pad with the mouse, in coordinates from 0 to 1 across the pad. */
export async function drawOnPad(page: Page, strokes: [number, number][][]): Promise<void> {
  const box = (await page.locator('#digit-pad').boundingBox())!;
  for (const stroke of strokes) {
    const [first, ...rest] = stroke.map(([x, y]) => [box.x + x * box.width, box.y + y * box.height] as const);
    await page.mouse.move(...first!);
    await page.mouse.down();
    for (const point of rest) await page.mouse.move(...point, { steps: 12 });
    await page.mouse.up();
  }
}
