// The arithmetic ceiling on Node 24 under V8's revectorizer, beside the library's GEMM that it fuses into
// 256-bit operations: `node --experimental-wasm-revectorize --no-liftoff ceiling-child.mjs '<settings JSON>'`.
// The flag is on the command line so the ceiling module, compiled before or after the engine, is compiled
// under it. Prints one JSON line: RevectorizedCeilingReply.
import { createEngine } from '../../src/engine/engine.js';
import { supportsRelaxedSimd, usesRevectorizer } from '../../src/engine/features.js';
import { flops, gemmShapes, shapeLabel, type Transpose } from '../gemm/gemm-shapes.js';
import { heavyballGemm } from '../gemm/heavyball-gemm.js';
import { type DisposableContender, interleave, renamed } from '../harness/interleave.js';
import type { Settings } from '../harness/settings.js';
import { rates } from '../harness/stats.js';
import { type CeilingOp, pairedCeilingFunctions } from './ceiling-module.js';
import { bestVariant, ceilingContender, type CeilingVariant, MUL_ADD_FORMS, measureVariants, unpairedVariants } from './ceiling-suite.js';
import type { RevectorizedCeilingReply, SampledVariant } from './revectorized-reply.js';

const settings = JSON.parse(process.argv[2]!) as Settings;
// The engines first: the first decides whether the revectorizer stays on before anything is measured.
const engine = await createEngine({ simd: 'standard', threads: 1 });
const relaxed = supportsRelaxedSimd();
const relaxedEngine = relaxed ? await createEngine({ simd: 'relaxed', threads: 1 }) : null;
const pairedOps: CeilingOp[] = relaxed ? ['mulAdd', 'mulAndAdd', 'fma'] : ['mulAdd', 'mulAndAdd'];
const variants = measureVariants([...unpairedVariants(), ...pairedOps.flatMap(pairedCeilingFunctions)], settings);
const isPaired = (v: CeilingVariant) => v.name.endsWith('paired');
const best = (paired: boolean, ops: readonly CeilingOp[]) => bestVariant(variants.filter((v) => isPaired(v) === paired), ops);
const chosen = {
  mulAdd: best(false, MUL_ADD_FORMS)!,
  pairedMulAdd: best(true, MUL_ADD_FORMS)!,
  fma: best(false, ['fma']),
  pairedFma: best(true, ['fma']),
};

const ceilings = Object.entries(chosen).flatMap(([kind, v]) => (v ? [{ kind, name: v.name, contender: ceilingContender(kind, v.name) }] : []));
const products = gemmShapes.filter((s) => s.training).flatMap((shape) =>
  (Object.entries(shape.roles) as [Transpose, string][]).map(([transpose, role]) => ({ shape, transpose, role })));
const builds = [{ simd: 'standard' as const, engine }, ...(relaxedEngine ? [{ simd: 'relaxed' as const, engine: relaxedEngine }] : [])];
const key = (p: (typeof products)[number], simd: string) => `${shapeLabel(p.shape)} ${p.transpose} ${simd}`;
const gemms = builds.flatMap(({ simd, engine: e }) =>
  products.map((p) => renamed(heavyballGemm('gemm', e, p.shape, p.transpose), key(p, simd))));
const contenders: DisposableContender[] = [...ceilings.map((c) => c.contender), ...gemms];
const samples = interleave(contenders, settings);
const sampled = (kind: string): SampledVariant | null => {
  const c = ceilings.find((x) => x.kind === kind);
  return c ? { name: c.name, gflops: rates(samples.get(kind)!, c.contender.gflopsPerRun) } : null;
};

const reply: RevectorizedCeilingReply = {
  node: process.versions.node,
  revectorizer: await usesRevectorizer(),
  variants,
  mulAdd: sampled('mulAdd')!,
  pairedMulAdd: sampled('pairedMulAdd')!,
  fma: sampled('fma'),
  pairedFma: sampled('pairedFma'),
  wideTiles: engine.wideTiles,
  gemm: builds.flatMap(({ simd }) => products.map((p) => ({
    shape: shapeLabel(p.shape), transpose: p.transpose, role: p.role, simd,
    gflops: rates(samples.get(key(p, simd))!, flops(p.shape) / 1e9),
  }))),
};
console.log(JSON.stringify(reply));
for (const c of contenders) c.dispose();
for (const b of builds) b.engine.dispose();
