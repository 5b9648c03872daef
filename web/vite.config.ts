import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Two pages: the Conduit client at / (index.html) and the operations console at /console (console.html).
// Assets land in dist/assets/ and are served under /assets/ (docs/adr/0030-web-client-and-console.md).
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  base: '/',
  build: {
    outDir: resolve(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    sourcemap: false,
    rollupOptions: {
      input: { index: resolve(import.meta.dirname, 'index.html'), console: resolve(import.meta.dirname, 'console.html') },
    },
  },
});
