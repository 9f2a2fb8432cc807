// The parts of vega the report draws with, bundled on their own as dist/vendor/vega.js (tsup.config.ts) and
// loaded only when a report is written: the package itself has no dependencies.
export { parse, View } from 'vega';
