// Parley Desktop's build: a static bundle in dist/ that the daemon serves
// under a strict CSP (no inline scripts or styles, no third-party requests).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Everything stays a same-origin file: data: URIs and inline code would need CSP exceptions.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
});
