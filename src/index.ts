// The Node entry: the browser-safe API plus what reads files or starts worker threads.
export * from './browser.js';
export { loadMnist, type LoadMnistOptions } from './data/mnist-node.js';
