// The static dashboard (index.html + www/), bundled into dist/.
// `activation-layer` is the npm package built into ./pkg by `make pkg`; the
// page uses it only through its worker API (activation-layer/worker).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const pkg = fileURLToPath(new URL('./pkg', import.meta.url));

export default defineConfig({
  // Relative URLs everywhere: dist/ works from any sub-path (GitHub Pages).
  base: './',
  root: fileURLToPath(new URL('.', import.meta.url)),
  publicDir: 'www/public',
  resolve: {
    alias: [
      { find: /^activation-layer\/worker$/, replacement: `${pkg}/worker/client.js` },
      { find: /^activation-layer$/, replacement: `${pkg}/web/activation_layer.js` },
    ],
  },
  // The engine's worker is an ES module (it imports the wasm-bindgen glue).
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No inline polyfill script: the CSP forbids inline scripts.
    modulePreload: { polyfill: false },
    // The .wasm must stay a file (never inlined as a data: URL).
    assetsInlineLimit: (file) => (file.endsWith('.wasm') ? false : undefined),
    chunkSizeWarningLimit: 1500,
    reportCompressedSize: false,
  },
  server: { host: '127.0.0.1', fs: { allow: ['.'] } },
});
