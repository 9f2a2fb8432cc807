// `npm run fixtures`: writes test/fixtures/pytorch/ — first heavyball's checkpoints that PyTorch loads
// (test/helpers/heavyball-checkpoints.ts, bundled with esbuild as the tests' vite does), then every Python
// script's PyTorch references. With --check (`.ci/run`) it writes nothing and exits 1 if a fresh file
// differs from the committed one; the Python scripts then recompute theirs with the live PyTorch.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const check = process.argv.includes('--check');
const here = import.meta.dirname;
const fixtures = join(here, '../fixtures/pytorch');
/** Debian's python3-torch installs for the system interpreter (`.ci/run` installs it). */
const python = '/usr/bin/python3';

async function heavyballFiles() {
  const dir = mkdtempSync(join(tmpdir(), 'heavyball-fixtures-'));
  try {
    const outfile = join(dir, 'checkpoints.mjs');
    await build({
      entryPoints: [join(here, '../helpers/heavyball-checkpoints.ts')], outfile, bundle: true, platform: 'node',
      format: 'esm', target: 'node20', loader: { '.wasm': 'binary' }, logLevel: 'error',
    });
    return await (await import(pathToFileURL(outfile).href)).checkpointInputFiles();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let failed = false;
for (const [name, bytes] of Object.entries(await heavyballFiles())) {
  const path = join(fixtures, name);
  if (check) {
    if (!existsSync(path) || !Buffer.from(bytes).equals(readFileSync(path))) {
      console.error(`heavyball's ${name} differs from the committed one: run \`npm run fixtures\``);
      failed = true;
    }
  } else {
    writeFileSync(`${path}.tmp`, bytes);
    renameSync(`${path}.tmp`, path);
  }
}
if (!check) console.log(`heavyball: wrote its checkpoints in ${fixtures}`);

for (const script of readdirSync(here).filter((f) => f.endsWith('.py') && f !== 'fixture_files.py').sort()) {
  const run = spawnSync(python, [join(here, script), ...(check ? ['--check'] : [])], { stdio: 'inherit' });
  if (run.error) throw new Error(`could not start ${python} (install Debian's python3-torch): ${run.error.message}`);
  if (run.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
