import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The console is served by the server at /console (packages/server/src/http/console-routes.ts)
 * under a strict Content-Security-Policy: no inline script or style may be emitted, so the
 * module-preload polyfill (an inline-free but needless script for current browsers) is off and
 * CSS is always a file.
 */
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2048,
  },
});
