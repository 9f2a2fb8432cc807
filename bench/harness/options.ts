import { fullSettings, quickSettings, type Settings } from './settings.js';

export const suiteNames = ['ceiling', 'gemm', 'optim', 'training', 'cnn', 'threads'] as const;
export type SuiteName = (typeof suiteNames)[number];

export interface BenchOptions {
  settings: Settings;
  /** Suites to run (all by default; the ceiling always runs when gemm does). */
  suites: Set<SuiteName>;
  /** Where `latest.json` is written (and read, with `report`). */
  outDir: string;
  /** Measure nothing: regenerate docs/benchmarks.md from `<outDir>/latest.json`. */
  report: boolean;
}

const usage = `usage: npm run bench [-- --quick] [-- --only=gemm,optim,training,cnn,threads] [-- --out=bench/results] [-- --report]`;

export function parseOptions(argv: readonly string[], defaultOutDir: string): BenchOptions {
  let quick = false;
  let suites = new Set<SuiteName>(suiteNames);
  let outDir = defaultOutDir;
  let report = false;
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else if (arg === '--report') report = true;
    else if (arg.startsWith('--only=')) suites = new Set(arg.slice(7).split(',').map(checkSuite));
    else if (arg.startsWith('--out=')) outDir = arg.slice(6);
    else if (arg === '--help' || arg === '-h') {
      console.log(usage);
      process.exit(0);
    } else throw new RangeError(`unknown argument ${JSON.stringify(arg)}; ${usage}`);
  }
  if (suites.has('gemm') || suites.has('cnn')) suites.add('ceiling');
  return { settings: quick ? quickSettings : fullSettings, suites, outDir, report };
}

function checkSuite(name: string): SuiteName {
  if (!(suiteNames as readonly string[]).includes(name)) {
    throw new RangeError(`unknown suite ${JSON.stringify(name)}; the suites are ${suiteNames.join(', ')}`);
  }
  return name as SuiteName;
}
