// The browser-safe data API; the Node loader is `./mnist-node.js`.
export { IdxFormatError } from './idx-format-error.js';
export { isGzip, parseIdx, type IdxTensor, type IdxType } from './parse-idx.js';
export { parseIdxAsync } from './parse-idx-async.js';
export { DEFAULT_MAX_GUNZIP_BYTES, gunzip, type GunzipOptions } from './gunzip.js';
export { assertDataset, datasetFromIdx, NUM_CLASSES, pick, subset, type Dataset } from './dataset.js';
export { batchRanges, gatherBatch, shuffledIndices, type BatchRange } from './batches.js';
export { splitDataset } from './split.js';
export { MNIST_FILES, MNIST_SOURCES, type Mnist, type MnistKind, type MnistOptions } from './mnist-files.js';
export { loadMnistFromUrl, type LoadMnistFromUrlOptions } from './mnist-browser.js';
