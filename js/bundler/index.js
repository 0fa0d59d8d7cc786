// @ts-check
// Bundler entry (Vite, webpack 5, Rollup): the web build, instantiated at
// import with top-level await; bundlers emit the .wasm as an asset from
// the `new URL(..., import.meta.url)` below.
import init from '../web/activation_layer.js';

await init({ module_or_path: new URL('../web/activation_layer_bg.wasm', import.meta.url) });

export * from '../web/activation_layer.js';
