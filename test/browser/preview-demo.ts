import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Plugin, preview } from 'vite';
import { DEMO_CONFIG } from './build-demo.js';

export interface DemoServer {
  url: string;
  close(): Promise<void>;
}

/** What a test may put in front of the static files, e.g. to fail a request. */
export type Middleware = (request: IncomingMessage, response: ServerResponse, next: () => void) => void;

/** Serves the built demo in `outDir` with `vite preview` (as `npx vite preview` does) on a free localhost port. */
export async function previewDemo(outDir: string, middleware?: Middleware): Promise<DemoServer> {
  const plugins: Plugin[] = middleware ? [{ name: 'test-middleware', configurePreviewServer: (server) => void server.middlewares.use(middleware) }] : [];
  const server = await preview({
    configFile: DEMO_CONFIG,
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: true, open: false },
    plugins,
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report its address');
  return { url, close: () => server.close() };
}
