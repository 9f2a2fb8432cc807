// The part of vega-lite the report uses, bundled on its own as dist/vendor/vega-lite.js (see ./vega.ts).
export { compile } from 'vega-lite';
