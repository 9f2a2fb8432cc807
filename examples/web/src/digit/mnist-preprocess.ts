/** MNIST's digits fit a 20×20 box inside the 28×28 image. */
export const MNIST_SIZE = 28;
const BOX = 20;

/**
 * A drawing (grey levels 0-255, ink bright on dark, `width × height`, row-major) prepared as MNIST's digits
 * were (LeCun et al.): the ink's bounding box scaled to fit 20×20 with its aspect ratio kept, by area
 * averaging (so thin strokes become grey levels, not gaps), then placed in the 28×28 image so that its
 * centre of mass is on pixel (14, 14), as in MNIST's files. Null when there is no ink.
 */
export function toMnistDigit(pixels: ArrayLike<number>, width: number, height: number, threshold = 0): Uint8Array | null {
  const box = inkBox(pixels, width, height, threshold);
  if (!box) return null;
  const scale = BOX / Math.max(box.width, box.height);
  const w = Math.max(1, Math.round(box.width * scale));
  const h = Math.max(1, Math.round(box.height * scale));
  const small = resampleArea(pixels, width, box, w, h);

  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const v = small[j * w + i]!;
      mass += v;
      mx += v * i;
      my += v * j;
    }
  }
  const clamp = (offset: number, size: number) => Math.min(MNIST_SIZE - size, Math.max(0, offset));
  const left = clamp(Math.round(MNIST_SIZE / 2 - mx / mass), w);
  const top = clamp(Math.round(MNIST_SIZE / 2 - my / mass), h);
  const digit = new Uint8Array(MNIST_SIZE * MNIST_SIZE);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) digit[(top + j) * MNIST_SIZE + left + i] = Math.round(small[j * w + i]!);
  }
  return digit;
}

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

function inkBox(pixels: ArrayLike<number>, width: number, height: number, threshold: number): Box | null {
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      if (pixels[j * width + i]! <= threshold) continue;
      left = Math.min(left, i);
      right = Math.max(right, i);
      top = Math.min(top, j);
      bottom = Math.max(bottom, j);
    }
  }
  return right < 0 ? null : { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/**
 * The box resampled to w × h: each output pixel is the mean of the source over the rectangle it covers,
 * partly covered source pixels weighted by the part covered. Separable: rows first, then columns.
 */
function resampleArea(pixels: ArrayLike<number>, width: number, box: Box, w: number, h: number): Float64Array {
  const columns = coverage(box.width, w);
  const rows = coverage(box.height, h);
  const across = new Float64Array(box.height * w);
  for (let j = 0; j < box.height; j++) {
    const row = (box.top + j) * width + box.left;
    for (let i = 0; i < w; i++) {
      let sum = 0;
      for (const [source, weight] of columns[i]!) sum += weight * pixels[row + source]!;
      across[j * w + i] = sum;
    }
  }
  const result = new Float64Array(w * h);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      let sum = 0;
      for (const [source, weight] of rows[j]!) sum += weight * across[source * w + i]!;
      result[j * w + i] = sum;
    }
  }
  return result;
}

/** For each of `to` output cells over `from` source cells: the sources it overlaps and their weights (summing to 1). */
function coverage(from: number, to: number): [number, number][][] {
  const step = from / to;
  return Array.from({ length: to }, (_, i) => {
    const start = i * step;
    const end = start + step;
    const cells: [number, number][] = [];
    for (let s = Math.floor(start); s < Math.min(from, Math.ceil(end)); s++) {
      const overlap = Math.min(end, s + 1) - Math.max(start, s);
      if (overlap > 0) cells.push([s, overlap / step]);
    }
    return cells;
  });
}
