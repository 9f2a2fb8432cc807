// `npm run bench [-- --quick]`; `node bench/run.js cnn-accuracy` trains the default CNN (README's figures). The benchmark is TypeScript importing the library's sources, so this
// bundles it with esbuild (as tsup does the library: the .wasm modules inlined as bytes, packages left
// to node_modules) into node_modules/.cache/heavyball-bench/ and runs it. Needs `npm run build:wasm`.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outdir = join(root, 'node_modules', '.cache', 'heavyball-bench');

await build({
  entryPoints: {
    main: join(root, 'bench', 'main.ts'),
    'training-child': join(root, 'bench', 'training', 'training-child.ts'),
    'cnn-accuracy': join(root, 'bench', 'cnn', 'mnist-accuracy.ts'),
    'threads-epoch': join(root, 'bench', 'threads', 'epoch-child.ts'),
    'threads-pair': join(root, 'bench', 'threads', 'pair-child.ts'),
    'ceiling-child': join(root, 'bench', 'ceiling', 'ceiling-child.ts'),
  },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  loader: { '.wasm': 'binary' },
  sourcemap: 'inline',
  logLevel: 'warning',
});
if (process.argv[2] === 'cnn-accuracy') {
  const { runCnnAccuracy } = await import(pathToFileURL(join(outdir, 'cnn-accuracy.mjs')).href);
  await runCnnAccuracy();
} else {
  const { runBench } = await import(pathToFileURL(join(outdir, 'main.mjs')).href);
  await runBench(root, process.argv.slice(2));
}
