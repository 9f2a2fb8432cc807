import { execFileSync } from 'node:child_process';
import { basename } from 'node:path';

/** A Python whose numpy can run the numpy peer, and the BLAS library that numpy loaded. */
export interface NumpyPython {
  python: string;
  blas: string;
}

// Imports numpy, runs one product so the BLAS is loaded, and prints the BLAS libraries mapped in.
const PROBE = `import numpy as np
np.ones((4, 4)) @ np.ones((4, 4))
print("\\n".join(sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.lower()})))`;

/**
 * The numpy peer is meant to be numpy on OpenBLAS: the first of `python3` on PATH and Debian's
 * /usr/bin/python3 whose numpy loads an OpenBLAS. Debian's numpy links the reference BLAS unless
 * libopenblas is installed, and is then some twenty times slower; without an OpenBLAS anywhere the
 * first numpy found runs, and its BLAS is named in the report.
 */
export function findNumpyPython(candidates = ['python3', '/usr/bin/python3']): NumpyPython | null {
  let fallback: NumpyPython | null = null;
  for (const python of candidates) {
    let libraries: string[];
    try {
      libraries = execFileSync(python, ['-c', PROBE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .split('\n').filter(Boolean);
    } catch {
      continue;
    }
    const openblas = libraries.find((l) => /openblas/i.test(l));
    if (openblas) return { python, blas: basename(openblas) };
    fallback ??= { python, blas: libraries.map((l) => basename(l)).join(', ') || 'no BLAS library found' };
  }
  return fallback;
}
