// The demo page (examples/web) built with Vite, served by `vite preview` and run in Debian's Chromium: MNIST
// downloaded once by the page and trained in Web Workers, bit-identical to the same run in Node; the 2-D
// optimizer paths; a drawn digit read by the models. Then the download behind a plain static server, retried.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { createEngine, loadMnist, type Mnist } from 'heavyball';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SURFACES, type Surface } from '../examples/web/src/valley/surfaces.js';
import { trajectory } from '../examples/web/src/valley/trajectories.js';
import { buildDemo } from './browser/build-demo.js';
import { launchChromium, pageErrors } from './browser/chromium.js';
import {
  drawOnPad, type PageRun, readPredictions, readRuns, readTrajectories, waitForDemo, waitForRunsToFinish,
} from './browser/demo-page.js';
import { float64Bits } from './browser/float-bits.js';
import { nodeMnistRun } from './browser/node-mnist-run.js';
import { type DemoServer, previewDemo } from './browser/preview-demo.js';
import { serveStatic } from './browser/static-server.js';

const STEPS = 300;
const SETTINGS = { lr: 0.05, steps: STEPS, batchSize: 128, seed: 7, nesterov: false };
const MOMENTA = [0, 0.5, 0.9];
const MNIST_GZ = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']
  .map((name) => `/mnist/${name}.gz`);
const ARTIFACTS = new URL('../test-artifacts/', import.meta.url);
const README_SCREENSHOT = new URL('../docs/screenshots/demo.png', import.meta.url);

let outDir: string;
let server: DemoServer;
let browser: Browser;
let page: Page;
let errors: string[];
let mnist: Mnist;
let runs: PageRun[];
const workerUrls: string[] = [];
/** The paths of the page's and its workers' requests. */
const requested: string[] = [];

beforeAll(async () => {
  outDir = await buildDemo();
  server = await previewDemo(outDir);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  errors = pageErrors(page);
  page.on('worker', (worker) => workerUrls.push(worker.url()));
  page.on('request', (request) => requested.push(new URL(request.url()).pathname));
  mnist = await loadMnist();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('the demo page in Chromium, served by vite preview', () => {
  it('downloads each MNIST file once, gzipped, and trains the MLP in one Web Worker per momentum, loss falling, curves drawn', async () => {
    const query = new URLSearchParams({
      momenta: MOMENTA.join(','), lr: String(SETTINGS.lr), steps: String(STEPS), batch: String(SETTINGS.batchSize), seed: String(SETTINGS.seed),
    });
    await page.goto(`${server.url}?${query}`);
    await waitForDemo(page);
    await page.click('#train');
    await waitForRunsToFinish(page, 240_000);
    runs = await readRuns(page);

    expect(errors).toEqual([]);
    expect(runs.map((run) => [run.config.model, run.config.momentum, run.status, run.error])).toEqual(MOMENTA.map((m) => ['mlp', m, 'done', undefined]));
    expect(workerUrls.filter((url) => url.includes('train-worker'))).toHaveLength(MOMENTA.length);
    expect(requested.filter((path) => path.startsWith('/mnist/')).sort()).toEqual([...MNIST_GZ].sort());
    for (const run of runs) {
      expect(run.losses).toHaveLength(STEPS);
      expect(run.diverged).toBe(false);
      expect(mean(run.losses.slice(-20))).toBeLessThan(0.5 * mean(run.losses.slice(0, 20)));
      expect(run.final!.step).toBe(STEPS);
      expect(run.final!.accuracy).toBeGreaterThan(0.85);
      expect(run.evaluations.length).toBeGreaterThanOrEqual(2);
    }
    // With the same lr, momentum 0.9 gets further in 300 steps than plain SGD.
    expect(runs[2]!.final!.accuracy).toBeGreaterThan(runs[0]!.final!.accuracy);

    // The charts: a raw and a smoothed loss line per run, each through every step; accuracy points per run.
    const lossLines = await page.locator('#loss-chart svg .mark-line.role-mark path').evaluateAll((paths) =>
      paths.map((path) => path.getAttribute('d')?.match(/L/g)?.length ?? 0));
    expect(lossLines).toEqual(new Array(2 * MOMENTA.length).fill(STEPS - 1));
    const accuracyPoints = await page.locator('#accuracy-chart svg .mark-symbol.role-mark path').count();
    expect(accuracyPoints).toBe(runs.reduce((n, run) => n + run.evaluations.length, 0));
    await expect(page.locator('#results tr[data-status="done"]').count()).resolves.toBe(MOMENTA.length);
  }, 300_000);

  it('gives, for a fixed seed, losses bit-identical to the same run in Node', async () => {
    expect(runs).toHaveLength(MOMENTA.length);
    for (const run of runs) {
      const losses = await nodeMnistRun(mnist.train, { ...SETTINGS, momentum: run.config.momentum });
      expect(run.lossBits.at(-1)).toBe(float64Bits(losses).at(-1));
      expect(run.lossBits).toEqual(float64Bits(losses));
    }
  }, 240_000);

  it('draws gradient descent, momentum and Nesterov on the valleys with heavyball\'s SGD, exactly as in Node', async () => {
    const engine = await createEngine();
    const point = engine.parameter(2);
    const check = async (surface: Surface) => {
      const onPage = await readTrajectories(page);
      expect(onPage.map((t) => t.method)).toEqual(['gd', 'momentum', 'nesterov']);
      const lr = 10 ** Number(await page.inputValue('#valley-lr'));
      const momentum = Number(await page.inputValue('#valley-momentum'));
      const steps = Number(await page.inputValue('#valley-steps'));
      expect({ lr, momentum, steps }).toEqual(surface.defaults);
      for (const t of onPage) {
        expect(t.divergedAt).toBeNull();
        expect(t.points).toHaveLength(2 * (steps + 1));
        expect(t.final).toBeLessThan(surface.f(...surface.start));
        const inNode = trajectory(point, surface, t.method, { lr, momentum, steps, start: surface.start });
        expect(float64Bits(t.points)).toEqual(float64Bits(inNode.points));
      }
      const [gd, heavyBall, nesterov] = onPage;
      expect(heavyBall!.final).toBeLessThan(gd!.final / 10);
      expect(nesterov!.final).toBeLessThan(gd!.final / 10);
    };
    try {
      await check(SURFACES.quadratic);
      // The momentum path is on the canvas: many pixels of its orange.
      const orange = await page.locator('#valley-plot').evaluate((canvas: HTMLCanvasElement) => {
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let count = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i] === 0xe6 && data[i + 1] === 0x55 && data[i + 2] === 0x0d) count++;
        return count;
      });
      expect(orange).toBeGreaterThan(500);

      await page.selectOption('#surface', 'rosenbrock');
      await check(SURFACES.rosenbrock);

      // A click on the plot moves the start there: here the middle of the view.
      const box = (await page.locator('#valley-plot').boundingBox())!;
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      const start = (await readTrajectories(page))[0]!.points.slice(0, 2);
      const { x, y } = SURFACES.rosenbrock.view;
      expect(start[0]).toBeCloseTo((x[0] + x[1]) / 2, 1);
      expect(start[1]).toBeCloseTo((y[0] + y[1]) / 2, 1);
      await page.selectOption('#surface', 'quadratic');
    } finally {
      engine.dispose();
    }
  });

  it('reads a digit drawn on the pad with every run\'s model; the page screenshot is saved', async () => {
    // A "7": the bar, then the stem.
    await drawOnPad(page, [[[0.28, 0.2], [0.72, 0.2], [0.45, 0.85]]]);
    for (const probabilities of await readPredictions(page, MOMENTA.length)) {
      expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(probabilities.indexOf(Math.max(...probabilities))).toBe(7);
    }
    await expect(page.locator('#digit-predictions .prediction[data-digit="7"]').count()).resolves.toBe(MOMENTA.length);
    // What the models saw: the drawing at 28×28, its longer side 20 pixels, as MNIST's digits.
    const rowsWithInk = await page.locator('#digit-preview').evaluate((canvas: HTMLCanvasElement) => {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, 28, 28);
      return Array.from({ length: 28 }, (_, y) => Array.from({ length: 28 }, (_, x) => data[4 * (28 * y + x)]!).some((v) => v > 0))
        .filter(Boolean).length;
    });
    expect(rowsWithInk).toBe(20);
    expect(errors).toEqual([]);

    await mkdir(ARTIFACTS, { recursive: true });
    const screenshot = new URL('demo.png', ARTIFACTS);
    await page.screenshot({ path: screenshot.pathname, fullPage: true });
    // The README's copy is written when missing, or refreshed with UPDATE_SCREENSHOTS=1.
    if (process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(README_SCREENSHOT)) {
      await mkdir(new URL('.', README_SCREENSHOT), { recursive: true });
      await copyFile(screenshot, README_SCREENSHOT);
    }
  });

  it('trains the CNN when the CNN is chosen: loss falling, bit-identical to the same run in Node', async () => {
    const cnn = { model: 'cnn', momentum: 0.9, nesterov: false, lr: 0.05, steps: 30, batchSize: 32, seed: 3 } as const;
    const fresh = await browser.newPage();
    const freshErrors = pageErrors(fresh);
    try {
      const query = new URLSearchParams({ momenta: '0.9', lr: String(cnn.lr), steps: String(cnn.steps), batch: String(cnn.batchSize), seed: String(cnn.seed) });
      await fresh.goto(`${server.url}?${query}`);
      await waitForDemo(fresh);
      await fresh.selectOption('#model', 'cnn');
      await fresh.click('#train');
      await waitForRunsToFinish(fresh, 180_000);
      const cnnRuns = await readRuns(fresh);
      expect(cnnRuns.map((run) => [run.config.model, run.status, run.error])).toEqual([['cnn', 'done', undefined]]);
      const [run] = cnnRuns as [PageRun];
      expect(run.losses).toHaveLength(cnn.steps);
      expect(mean(run.losses.slice(-5))).toBeLessThan(0.5 * mean(run.losses.slice(0, 5)));
      expect(run.final!.accuracy).toBeGreaterThan(0.7);
      expect(run.lossBits).toEqual(float64Bits(await nodeMnistRun(mnist.train, cnn)));
      expect(freshErrors).toEqual([]);
    } finally {
      await fresh.close();
    }
  }, 240_000);
});

describe('the MNIST download behind a plain static server (.gz files as they are, as python3 -m http.server serves them)', () => {
  /** Starts a run of `steps` on a fresh page whose server fails the first `failing` tries of each MNIST file. */
  async function train(failing: number, steps: number) {
    const requests = new Map<string, number>();
    const plain = await serveStatic(outDir, (path) => {
      if (!path.startsWith('/mnist/')) return undefined;
      requests.set(path, (requests.get(path) ?? 0) + 1);
      return requests.get(path)! <= failing ? 503 : undefined;
    });
    const fresh = await browser.newPage();
    try {
      await fresh.goto(`${plain.url}?${new URLSearchParams({ momenta: '0.9', steps: String(steps), batch: '128', seed: '1' })}`);
      await waitForDemo(fresh);
      await fresh.click('#train');
      await fresh.waitForFunction(() => {
        const { runs } = (globalThis as unknown as { heavyballDemo: { runs: { status: string }[] } }).heavyballDemo;
        return runs.length > 0 ? runs.every((run) => run.status === 'done' || run.status === 'failed')
          : document.getElementById('mnist-message')!.textContent!.startsWith('Could not download');
      }, undefined, { timeout: 120_000, polling: 250 });
      return { runs: await readRuns(fresh), message: await fresh.textContent('#mnist-message'), requests: Object.fromEntries(requests) };
    } finally {
      await fresh.close();
      await plain.close();
    }
  }

  it('retries a failed fetch, then trains', async () => {
    const { runs: trained, requests } = await train(1, 20);
    expect(trained.map((run) => [run.status, run.losses.length])).toEqual([['done', 20]]);
    expect(requests).toEqual(Object.fromEntries(MNIST_GZ.map((path) => [path, 2])));
  }, 180_000);

  it('after three failed tries says which file could not be downloaded, and trains nothing', async () => {
    const { runs: none, message, requests } = await train(3, 20);
    expect(none).toEqual([]);
    expect(message).toMatch(/^Could not download http:\/\/127\.0\.0\.1:\d+\/mnist\/[\w-]+\.gz \(HTTP 503; tried 3 times\)\. Check the connection, then press Train again\.$/);
    expect(Object.values(requests)).toEqual([3, 3, 3, 3]);
  }, 180_000);
});
