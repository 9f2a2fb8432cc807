// Threads in Chromium: a cross-origin-isolated page (served with COOP/COEP) gets all cores by default, and
// the GEMM's bits on threads equal those on one thread, on the page's main thread and in a Web Worker.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium, pageErrors } from './browser/chromium.js';
import { serveStatic, type StaticServer } from './browser/static-server.js';

let browser: Browser;
let server: StaticServer;
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'heavyball-threads-'));
  await cp(fileURLToPath(new URL('./browser/fixtures/threads/', import.meta.url)), root, { recursive: true });
  await cp(resolve('dist'), join(root, 'heavyball'), { recursive: true });
  server = await serveStatic(root, undefined, {
    'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp',
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

it('an isolated page trains on every core, with the bits of one thread, on its main thread and in a worker', async () => {
  const page = await browser.newPage();
  const errors = pageErrors(page);
  try {
    await page.goto(server.url);
    await page.waitForFunction(() => 'result' in globalThis, undefined, { timeout: 60_000 });
    const result = await page.evaluate(() => (globalThis as unknown as { result: Record<string, unknown> }).result);
    expect(errors).toEqual([]);
    expect(result.isolated).toBe(true);
    expect(result.threads).toBe(result.cores);
    expect(result.sameOnMainThread).toBe(true);
    expect(result.workerThreads).toBe(3);
    expect(result.sameInWorker).toBe(true);
  } finally {
    await page.close();
  }
}, 120_000);
