// The demo's drawing → 28×28 preparation (examples/web/src/digit/mnist-preprocess.ts), checked on real MNIST digits.
import { loadMnist, type Dataset } from 'heavyball';
import { beforeAll, describe, expect, it } from 'vitest';
import { MNIST_SIZE, toMnistDigit } from '../examples/web/src/digit/mnist-preprocess.js';

const PAD = 280;
let test: Dataset;

beforeAll(async () => {
  ({ test } = await loadMnist({ limit: 200 }));
});

/** An MNIST image drawn 10× larger (each pixel a 10×10 block) at (left, top) on a black LARGE × LARGE pad. */
const LARGE = 400;
function drawnLarge(image: Uint8Array, left: number, top: number): Uint8Array {
  const pad = new Uint8Array(LARGE * LARGE);
  for (let y = 0; y < MNIST_SIZE * 10; y++) {
    for (let x = 0; x < MNIST_SIZE * 10; x++) {
      pad[(top + y) * LARGE + left + x] = image[Math.floor(y / 10) * MNIST_SIZE + Math.floor(x / 10)]!;
    }
  }
  return pad;
}

function inkBox(image: Uint8Array): { width: number; height: number } {
  let [left, right, top, bottom] = [MNIST_SIZE, -1, MNIST_SIZE, -1];
  image.forEach((v, i) => {
    if (v === 0) return;
    const [x, y] = [i % MNIST_SIZE, Math.floor(i / MNIST_SIZE)];
    [left, right, top, bottom] = [Math.min(left, x), Math.max(right, x), Math.min(top, y), Math.max(bottom, y)];
  });
  return { width: right - left + 1, height: bottom - top + 1 };
}

/** In pixel indices: MNIST's digits have theirs within half a pixel of (14, 14). */
function centreOfMass(image: Uint8Array): [number, number] {
  let [mass, mx, my] = [0, 0, 0];
  image.forEach((v, i) => {
    mass += v;
    mx += v * (i % MNIST_SIZE);
    my += v * Math.floor(i / MNIST_SIZE);
  });
  return [mx / mass, my / mass];
}

/** The image moved by (dx, dy) pixels, zeros shifted in. */
function shifted(image: Uint8Array, dx: number, dy: number): Uint8Array {
  const out = new Uint8Array(image.length);
  for (let y = 0; y < MNIST_SIZE; y++) {
    for (let x = 0; x < MNIST_SIZE; x++) {
      const [sx, sy] = [x - dx, y - dy];
      if (sx >= 0 && sx < MNIST_SIZE && sy >= 0 && sy < MNIST_SIZE) out[y * MNIST_SIZE + x] = image[sy * MNIST_SIZE + sx]!;
    }
  }
  return out;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.every((v, i) => v === b[i]);

describe('toMnistDigit', () => {
  it('gives null for an empty pad', () => {
    expect(toMnistDigit(new Uint8Array(PAD * PAD), PAD, PAD)).toBeNull();
  });

  it('fits the ink into 20×20 keeping its aspect ratio, centred by mass in 28×28', () => {
    const pad = new Uint8Array(PAD * PAD);
    for (let y = 30; y < 230; y++) for (let x = 150; x < 250; x++) pad[y * PAD + x] = 255;
    const digit = toMnistDigit(pad, PAD, PAD)!;
    expect(inkBox(digit)).toEqual({ width: 10, height: 20 });
    expect(centreOfMass(digit)).toEqual([14.5, 14.5]);
    expect(digit.filter((v) => v === 255)).toHaveLength(200);
  });

  it('turns thin strokes into grey levels by area averaging, not gaps', () => {
    const pad = new Uint8Array(PAD * PAD);
    for (let y = 40; y < 240; y++) for (let x = 100; x < 104; x++) pad[y * PAD + x] = 255;  // 4 px wide, 200 tall
    for (let x = 100; x < 200; x++) pad[40 * PAD + x] = 255;  // a 1-px bar, so the box is 100 wide
    const digit = toMnistDigit(pad, PAD, PAD)!;
    const columns = Array.from({ length: MNIST_SIZE }, (_, x) => Array.from({ length: MNIST_SIZE }, (_, y) => digit[y * MNIST_SIZE + x]!));
    const stroke = columns.find((column) => column.filter((v) => v > 0).length >= 19)!;
    // The 4-px stroke covers 40 % of a 10-px-wide cell: a grey of 0.4 × 255 down the cell's column.
    expect(stroke.filter((v) => v === 102)).toHaveLength(19);
  });

  it('gives back MNIST\'s own digits drawn 10× larger anywhere on the pad, at most one pixel off', () => {
    const size = MNIST_SIZE * MNIST_SIZE;
    let exact = 0;
    for (let i = 0; i < test.count; i++) {
      const original = test.images.subarray(i * size, (i + 1) * size);
      const digit = toMnistDigit(drawnLarge(original, (i * 37) % 120, (i * 53) % 120), LARGE, LARGE)!;
      const [cx, cy] = centreOfMass(digit);
      expect(Math.abs(cx - 14)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(cy - 14)).toBeLessThanOrEqual(0.5);
      const { width, height } = inkBox(digit);
      expect(Math.max(width, height)).toBe(20);
      // MNIST's 20×20 digits come back pixel for pixel; the centring may round the other way by one pixel.
      const offsets = [-1, 0, 1].flatMap((dx) => [-1, 0, 1].map((dy) => [dx, dy] as const));
      const offset = offsets.find(([dx, dy]) => sameBytes(shifted(original, dx, dy), digit));
      expect(offset, `test image ${i}`).toBeDefined();
      if (offset![0] === 0 && offset![1] === 0) exact++;
    }
    expect(exact).toBeGreaterThan(test.count / 2);
  });
});
