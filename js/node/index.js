// @ts-check
// Node entry: the web build, instantiated synchronously at import, so
// `import { compute } from 'activation-layer'` needs no init() call.
import { readFileSync } from 'node:fs';
import { initSync } from '../web/activation_layer.js';

initSync({ module: readFileSync(new URL('../web/activation_layer_bg.wasm', import.meta.url)) });

export * from '../web/activation_layer.js';
